import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { registerCluster } from "../../../src/store/cluster-registration.js";
import { engineLikeHandler, type LoopbackServer, startLoopbackServer } from "../../loopback-server.js";
import { openTestStore } from "../../test-store.js";

function hostKey(): { pem: string; line: string } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error) throw parsed;
  return { pem, line: `ssh-rsa ${parsed.getPublicSSH().toString("base64")}` };
}

let dir: string;
let engine: LoopbackServer;
let server: ssh2.Server;
let url: string;
let hostName: string;
const served = hostKey();
const other = hostKey();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-ssh-"));
  engine = await startLoopbackServer(engineLikeHandler);
  const enginePort = Number(new URL(engine.url).port);
  // An SSH server that lets anyone in and runs `docker system dial-stdio` as a pipe to an Engine-like server.
  server = new ssh2.Server({ hostKeys: [served.pem] }, (client) => {
    client.on("authentication", (context) => context.accept());
    client.on("session", (accept) => {
      accept().on("exec", (acceptExec, _reject, info) => {
        const channel = acceptExec();
        if (info.command !== "docker system dial-stdio") {
          channel.exit(127);
          channel.end();
          return;
        }
        const socket = connect(enginePort, "127.0.0.1");
        channel.pipe(socket).pipe(channel);
      });
    });
    client.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  url = `ssh://tester@127.0.0.1:${port}`;
  hostName = `[127.0.0.1]:${port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await engine[Symbol.asyncDispose]();
  await rm(dir, { recursive: true, force: true });
});

async function add(knownHosts: string) {
  const knownHostsFile = join(dir, "known_hosts");
  await writeFile(knownHostsFile, knownHosts);
  const services = await openTestStore();
  try {
    const outcome = await registerCluster(
      { name: "remote", source: { kind: "host", url } },
      { registry: services.registry, actor: { kind: "local", user: "t" }, knownHostsFile },
    ).then(
      (result) => ({ result, error: undefined as unknown }),
      (error: unknown) => ({ result: undefined, error }),
    );
    return { ...outcome, saved: services.registry.list().map((cluster) => cluster.name), knownHostsFile };
  } finally {
    await services[Symbol.asyncDispose]();
  }
}

describe("ssh:// hosts", () => {
  it("connects through `docker system dial-stdio` when known_hosts lists the host's key", async () => {
    const { result, saved } = await add(`# lab\n${hostName} ${served.line}\n`);
    expect(result?.ping).toMatchObject({ version: "20.10.24", apiVersion: "1.41" });
    expect(saved).toEqual(["remote"]);
    expect(engine.requests).toContain("GET /v1.41/version");
  });

  it("refuses a host that known_hosts does not list, and saves nothing", async () => {
    const { error, saved, knownHostsFile } = await add(`otherhost ${served.line}\n`);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      `${hostName} is not in ${knownHostsFile}, so its SSH host key cannot be checked; connect once with ssh (or add the output of ssh-keyscan after checking its fingerprint) and try again`,
    );
    expect(saved).toEqual([]);
  });

  it("refuses a host whose key is not the one known_hosts lists", async () => {
    const { error, saved, knownHostsFile } = await add(`${hostName} ${other.line}\n`);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("ssh-host-key-changed");
    expect((error as UserError).message).toBe(
      `the SSH host key of ${url} is not the one ${knownHostsFile} lists for ${hostName}: someone may be in the middle; if the host was reinstalled, check its new key, then run ssh-keygen -R '${hostName}' and connect once with ssh`,
    );
    expect(saved).toEqual([]);
  });
});
