import { execFile } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { demuxLogs } from "../../src/docker/dockerode-host.js";
import { tlsArchive as productArchive } from "../../src/engine/tls-files.js";
import { testLabel } from "../lab.js";

const run = promisify(execFile);
const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

/** A test CA and certificates it issued, as files in `dir` (`<name>.pem`, `<name>.key`). */
export interface TestPki {
  dir: string;
  names: string[];
}

/** Makes a CA and one ECDSA P-256 certificate per common name, all issued by that CA. */
export async function makePki(...names: string[]): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), "amb-pki-"));
  const openssl = (...args: string[]) => run("openssl", args, { cwd: dir });
  await openssl(
    "req",
    "-x509",
    ...ec,
    "-days",
    "2",
    "-subj",
    "/CN=test link CA",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
  );
  for (const name of names) {
    await openssl("req", ...ec, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`);
    await openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      `${name}.pem`,
    );
  }
  return { dir, names };
}

/** The tar archive an ambassador's /run/ambassador/tls takes: ca.pem, cert.pem (certificate, then key) of `name` and the empty complete, 0400. */
export async function tlsArchive(pki: TestPki, name: string): Promise<Buffer> {
  const staging = await mkdtemp(join(tmpdir(), "amb-tls-"));
  const [cert, key] = await Promise.all([
    readFile(join(pki.dir, `${name}.pem`), "utf8"),
    readFile(join(pki.dir, `${name}.key`), "utf8"),
  ]);
  await run("cp", [join(pki.dir, "ca.pem"), join(staging, "ca.pem")]);
  await writeFile(join(staging, "cert.pem"), `${cert.trimEnd()}\n${key}`);
  await writeFile(join(staging, "complete"), "");
  await run("chmod", ["0400", join(staging, "ca.pem"), join(staging, "cert.pem"), join(staging, "complete")]);
  await run("tar", [
    "-C",
    staging,
    "--owner=0",
    "--group=0",
    "-cf",
    join(staging, "tls.tar"),
    "ca.pem",
    "cert.pem",
    "complete",
  ]);
  return readFile(join(staging, "tls.tar"));
}

/** The archive the bot writes on an ambassador's standard input: its own, of `name`'s certificate and key. */
export async function tlsInput(pki: TestPki, name: string): Promise<Buffer> {
  const [ca, cert, key] = await Promise.all(
    ["ca.pem", `${name}.pem`, `${name}.key`].map((file) => readFile(join(pki.dir, file), "utf8")),
  );
  return productArchive(ca as string, { cert: cert as string, key: key as string });
}

/** How to run one ambassador container for a test. */
export interface AmbassadorSpec {
  name: string;
  env: string[];
  /** TLS files uploaded into /run/ambassador/tls before start (or, with tlsAfterStart, once it has started). */
  tls?: Buffer;
  tlsAfterStart?: boolean;
  /**
   * Written on its standard input before it starts (it is made with OpenStdin and StdinOnce): the files, or not;
   * `open`, nothing written.
   */
  stdin?: Buffer | "open";
  kernel?: boolean;
  netAdmin?: boolean;
  links?: string[];
  /** `name:address` lines for its /etc/hosts. */
  extraHosts?: string[];
  network?: string;
  alias?: string;
  /** Publishes every container port on this host address, on a port Docker picks. */
  publishOn?: string;
  ports?: number[];
  /** The user it runs as, as `docker run --user` takes it; root when not given. */
  user?: string;
  /** Host directories mounted into it, as `docker run -v` takes them (the lab's hosts share this machine's files). */
  binds?: string[];
}

/** A started ambassador and how it ended its start: `ready`, or the exit code when it stopped. */
export interface StartedAmbassador {
  container: Docker.Container;
  logs: string;
  exitCode?: number;
  hostPort?: number;
}

async function logsOf(container: Docker.Container): Promise<string> {
  return demuxLogs(await container.logs({ stdout: true, stderr: true }));
}

/** Creates the ambassador, uploads its files, starts it and waits until it says it is ready or exits. */
export async function startAmbassador(docker: Docker, spec: AmbassadorSpec): Promise<StartedAmbassador> {
  const ports = spec.ports ?? [5000];
  const container = await docker.createContainer({
    Image: "ambassador-bot/ambassador:latest",
    name: spec.name,
    Env: spec.env,
    User: spec.user,
    Labels: { [testLabel]: "1" },
    ...(spec.stdin ? { OpenStdin: true, StdinOnce: true } : {}),
    ExposedPorts: Object.fromEntries(ports.map((p) => [`${p}/tcp`, {}])),
    HostConfig: {
      Links: spec.links,
      Binds: spec.binds,
      ExtraHosts: spec.extraHosts,
      NetworkMode: spec.network,
      PortBindings: spec.publishOn
        ? Object.fromEntries(ports.map((p) => [`${p}/tcp`, [{ HostIp: spec.publishOn, HostPort: "" }]]))
        : undefined,
      CapAdd: spec.kernel || spec.netAdmin ? ["NET_ADMIN"] : undefined,
      Sysctls: spec.kernel ? { "net.ipv4.ip_forward": "1" } : undefined,
    },
    NetworkingConfig:
      spec.network && spec.alias
        ? { EndpointsConfig: { [spec.network]: { Aliases: [spec.alias] } } }
        : undefined,
  });
  if (spec.tls && !spec.tlsAfterStart) await container.putArchive(spec.tls, { path: "/run/ambassador/tls" });
  const written = spec.stdin;
  if (written && written !== "open") {
    const input = (await container.attach({
      stream: true,
      stdin: true,
      hijack: true,
    })) as unknown as Writable;
    await new Promise<void>((resolve) => input.end(written, resolve));
  }
  await container.start();
  if (spec.tls && spec.tlsAfterStart) await container.putArchive(spec.tls, { path: "/run/ambassador/tls" });
  const { info, logs } = await readyOrStopped(container, spec.name);
  if (!info.State.Running) return { container, logs, exitCode: info.State.ExitCode };
  const binding = info.NetworkSettings.Ports[`${ports[0]}/tcp`]?.[0]?.HostPort;
  return { container, logs, hostPort: binding ? Number(binding) : undefined };
}

/** Waits until a started ambassador says it is ready, or stops (10 s at most); how it then was, and what it said. */
export async function readyOrStopped(
  container: Docker.Container,
  name: string,
): Promise<{ info: Docker.ContainerInspectInfo; logs: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const info = await container.inspect();
    const logs = await logsOf(container);
    if (/^ambassador: ready$/m.test(logs)) return { info, logs };
    if (!info.State.Running) {
      // Docker copies a container's last output to its log a moment after it exits, on a busy host.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { info, logs: await logsOf(container) };
    }
    if (Date.now() > deadline) throw new Error(`${name} did not get ready within 10 s:\n${logs}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Runs a command in a running container and returns what it printed. */
export async function execIn(container: Docker.Container, cmd: string[]): Promise<string> {
  const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
  const stream = await exec.start({});
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return demuxLogs(Buffer.concat(chunks));
}

/** How a test client talks TLS to a source ambassador: the files it presents, and the name it expects. */
export interface ClientTls {
  pki: TestPki;
  /** Certificate presented; none when omitted. */
  as?: string;
  expect: string;
}

/**
 * Sends `GET /` to host:port from a network namespace (the lab's root namespace, on its bridge, when none)
 * with the host's socat, and returns every byte that came back before the peer closed or 5 s passed.
 */
export async function getFrom(
  netns: string | undefined,
  host: string,
  port: number,
  tls?: ClientTls,
): Promise<string> {
  let address = `TCP:${host}:${port}`;
  if (tls) {
    const own = tls.as ? `,cert=${tls.pki.dir}/${tls.as}.pem,key=${tls.pki.dir}/${tls.as}.key` : "";
    address = `OPENSSL:${host}:${port},cafile=${tls.pki.dir}/ca.pem,verify=1,commonname=${tls.expect}${own}`;
  }
  const request = `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 5 socat -T 4 - '${address}'`;
  const argv = netns ? ["ip", "netns", "exec", netns, "sh", "-c", request] : ["sh", "-c", request];
  const [file, ...args] = argv;
  try {
    const { stdout } = await run(file ?? "sh", args);
    return stdout;
  } catch (error) {
    return (error as { stdout?: string }).stdout ?? "";
  }
}

/**
 * What a bare TCP connection to host:port meets from inside network namespace `netns` (the machine's own when
 * undefined), as a port scanner sees it: `refused` (a reset to its first packet), `accepted`, or `no answer` in 2 s.
 */
export async function connectFrom(
  netns: string | undefined,
  host: string,
  port: number,
): Promise<"refused" | "accepted" | "no answer"> {
  const probe = `timeout 3 socat -u /dev/null TCP:${host}:${port},connect-timeout=2`;
  const argv = netns ? ["ip", "netns", "exec", netns, "sh", "-c", probe] : ["sh", "-c", probe];
  const [file, ...args] = argv;
  try {
    await run(file ?? "sh", args);
    return "accepted";
  } catch (error) {
    const said = (error as { stderr?: string }).stderr ?? "";
    if (/Connection refused/.test(said)) return "refused";
    // Made, then closed by the other side before socat had closed its own: a connection all the same.
    return /Connection reset by peer|Broken pipe/.test(said) ? "accepted" : "no answer";
  }
}

/** GET through `url` from a toolbox container on `network`, retried for up to `withinMs`. */
export async function toolboxGet(
  docker: Docker,
  network: string,
  url: string,
  withinMs = 5_000,
): Promise<string> {
  const deadline = Date.now() + withinMs;
  let last = "";
  do {
    const container = await docker.createContainer({
      Image: "ambassador-lab/toolbox:latest",
      // busybox-static wget crashes with -T, so the timeout comes from timeout(1).
      Cmd: ["timeout", "5", "wget", "-q", "-O", "-", url],
      Labels: { [testLabel]: "1" },
      HostConfig: { NetworkMode: network },
    });
    try {
      await container.start();
      await container.wait();
      last = await logsOf(container);
    } finally {
      await container.remove({ force: true });
    }
    if (last.includes("Hello World!")) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  } while (Date.now() < deadline);
  return last;
}
