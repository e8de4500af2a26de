import { Agent, type AgentOptions } from "node:http";
import { createRequire } from "node:module";
import { userInfo } from "node:os";
import type { Duplex } from "node:stream";
import type { ClientChannel, ConnectConfig } from "ssh2";
import type { UserError } from "../errors.js";
import { knownHostName, readKnownHostKeys, refuseHostKey } from "./known-hosts.js";

// ssh2 is loaded when an ssh:// host is first dialled: loading it costs every other command about 30 ms.
const require = createRequire(import.meta.url);

/** Where an ssh:// Docker host is and how to log in and check it. */
export interface SshTarget {
  hostname: string;
  port: number;
  username?: string;
  /** The OpenSSH known_hosts file the host's key must be listed in. */
  knownHostsFile: string;
  /** The ssh:// URL, for messages. */
  url: string;
  /** Deadline of the SSH handshake. */
  timeoutMs: number;
}

const hostKeyAlgorithms: Record<string, string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

// http sets timeouts and socket options on whatever the agent hands it; an SSH channel has none of these.
function asSocket(channel: ClientChannel): Duplex {
  const socket = channel as ClientChannel & Record<string, unknown>;
  for (const method of ["setTimeout", "setNoDelay", "setKeepAlive", "ref", "unref"]) {
    if (typeof socket[method] !== "function") socket[method] = () => socket;
  }
  return channel;
}

async function dial(target: SshTarget): Promise<Duplex> {
  const name = knownHostName(target.hostname, target.port);
  const known = await readKnownHostKeys(target.knownHostsFile, name);
  const where = { url: target.url, name, file: target.knownHostsFile };
  const algorithms = [...new Set(known.keys.flatMap((key) => hostKeyAlgorithms[key.type] ?? []))];
  let refusal: UserError | undefined;
  if (known.keys.length === 0) throw refuseHostKey(known, Buffer.alloc(0), where);
  const { Client } = require("ssh2") as typeof import("ssh2");
  const client = new Client();
  const config: ConnectConfig = {
    host: target.hostname,
    port: target.port,
    username: target.username ?? userInfo().username,
    agent: process.env.SSH_AUTH_SOCK,
    readyTimeout: target.timeoutMs,
    hostVerifier: (key: Buffer) => {
      refusal = refuseHostKey(known, key, where);
      return refusal === undefined;
    },
    ...(algorithms.length && {
      algorithms: { serverHostKey: algorithms as NonNullable<ConnectConfig["algorithms"]>["serverHostKey"] },
    }),
  };
  return new Promise<Duplex>((resolve, reject) => {
    const fail = (error: Error) => {
      client.end();
      reject(refusal ?? error);
    };
    client.once("error", fail);
    client.once("ready", () => {
      client.exec("docker system dial-stdio", (error, channel) => {
        if (error) return fail(error);
        channel.once("close", () => client.end());
        client.removeListener("error", fail);
        client.on("error", (late: Error) => channel.emit("error", late));
        resolve(asSocket(channel));
      });
    });
    client.connect(config);
  });
}

/**
 * An http.Agent that carries each request over `docker system dial-stdio` on an SSH connection whose host key
 * must be listed in known_hosts. It replaces docker-modem's own SSH agent, which accepts any host key and
 * hands http an SSH channel that lacks the socket methods http calls (`sock.setTimeout is not a function`).
 */
export class SshDockerAgent extends Agent {
  constructor(
    private readonly target: SshTarget,
    options: AgentOptions = {},
  ) {
    super({ ...options, keepAlive: false });
  }

  override createConnection(
    _options: unknown,
    callback?: (error: Error | null, socket: Duplex) => void,
  ): undefined {
    dial(this.target).then(
      (socket) => callback?.(null, socket),
      (error: Error) => callback?.(error, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
