import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DockerHost } from "../../src/docker/docker-host.js";
import { openStoreServices, type StoreServices } from "../../src/store/store-services.js";
import { type ClustersCommandDeps, runClustersCommand } from "../../src/terminal/clusters-command.js";
import { type LabHost, lab, labDocker, testLabel } from "../lab.js";

const run = promisify(execFile);
const actor = { kind: "local" as const, user: "integration" };
const root = new URL("../..", import.meta.url).pathname;

/** `grep -c PATTERN FILE` as a person would type it: prints the count even when it is 0 (exit code 1). */
async function grepCount(pattern: string, file: string): Promise<string> {
  const result = await run("grep", ["-c", pattern, file]).catch((error: { stdout: string; code: number }) => {
    if (error.code !== 1) throw error;
    return error;
  });
  return result.stdout.trim();
}

/** Whether `host` is the lab host `on`: a network made through it is seen by that host's own Engine. */
async function reaches(host: DockerHost, on: LabHost): Promise<boolean> {
  const name = `amb-probe-${Math.random().toString(36).slice(2, 10)}`;
  const id = await host.createNetwork(name, { [testLabel]: "1" });
  try {
    return (await (await labDocker(on)).listNetworks()).some((network) => network.Id === id);
  } finally {
    await host.removeNetwork(id, name);
  }
}

describe("the store with the lab's clusters", () => {
  let dir: string;
  let storePath: string;
  let services: StoreServices;
  let deps: ClustersCommandDeps;
  const bundle = (host: "clustera" | "clusterb") => dirname(lab()[host].envFile);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "amb-int-store-"));
    storePath = join(dir, "data", "ambassador.json");
    services = await openStoreServices({ path: storePath });
    deps = { registry: services.registry, clusters: services.clusters, actor };
  });

  afterAll(async () => {
    await services?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("registers both clusters from their docker.env bundles, connecting over TLS first", async () => {
    for (const name of ["clustera", "clusterb"] as const) {
      const result = await runClustersCommand(["add", name, "--docker-env", lab()[name].envFile], deps);
      expect(result.output).toMatch(
        new RegExp(
          `^Added cluster ${name}: tcp://${lab()[name].ip.replace(/\./g, "\\.")}:2376 over TLS \\(server certificate verified\\), Docker 20\\.10\\.\\S+ \\(API 1\\.41\\)`,
        ),
      );
      expect(result.exitCode).toBe(0);
    }
    const listed = await runClustersCommand(["list"], deps);
    expect(listed.output.split("\n").slice(1)).toEqual([
      expect.stringMatching(
        new RegExp(`^clustera\\s+tcp://${lab().clustera.ip}:2376\\s+yes\\s+${lab().clustera.ip}\\s+any$`),
      ),
      expect.stringMatching(
        new RegExp(`^clusterb\\s+tcp://${lab().clusterb.ip}:2376\\s+yes\\s+${lab().clusterb.ip}\\s+any$`),
      ),
    ]);
  });

  it("keeps no private key in plain text in the store file", async () => {
    expect(Number(await grepCount("PRIVATE KEY", join(bundle("clustera"), "key.pem")))).toBeGreaterThan(0);
    expect(await grepCount("PRIVATE KEY", storePath)).toBe("0");
  });

  it("`clusters test` reaches both hosts over TLS, with version and round trip", async () => {
    const result = await runClustersCommand(["test"], deps);
    expect(result.exitCode).toBe(0);
    expect(result.output.split("\n").slice(1)).toEqual([
      expect.stringMatching(/^clustera\s+ok\s+20\.10\.\S+\s+\d+ ms$/),
      expect.stringMatching(/^clusterb\s+ok\s+20\.10\.\S+\s+\d+ ms$/),
    ]);
  });

  it("host() gives a reused host that talks to the right Engine", async () => {
    const a = services.clusters.host("clustera");
    expect(services.clusters.host("clustera")).toBe(a);
    expect(a.advertise).toBe(lab().clustera.ip);
    expect(await reaches(a, lab().clustera)).toBe(true);
    expect(await reaches(services.clusters.host("clusterb"), lab().clusterb)).toBe(true);
    expect(await reaches(services.clusters.host("clusterb"), lab().clustera)).toBe(false);
  });

  it("refuses a cluster registered with another host's CA, saying so, and saves nothing", async () => {
    const wrongCa = join(dir, "wrong-ca");
    await mkdir(wrongCa, { mode: 0o700 });
    await cp(join(bundle("clustera"), "cert.pem"), join(wrongCa, "cert.pem"));
    await cp(join(bundle("clustera"), "key.pem"), join(wrongCa, "key.pem"));
    await cp(join(bundle("clusterb"), "ca.pem"), join(wrongCa, "ca.pem"));
    const before = await readFile(storePath, "utf8");
    const result = await runClustersCommand(
      ["add", "wrong-ca", "--host", `tcp://${lab().clustera.ip}:2376`, "--cert-path", wrongCa],
      deps,
    );
    expect(result).toEqual({
      exitCode: 1,
      output: `error: the server certificate of tcp://${lab().clustera.ip}:2376 is not signed by the CA in ca.pem (UNABLE_TO_VERIFY_LEAF_SIGNATURE): wrong ca.pem for this host?`,
    });
    expect(await readFile(storePath, "utf8")).toBe(before);
  });

  it("refuses a client certificate the host does not trust, and saves nothing", async () => {
    const foreign = join(dir, "foreign-client");
    await mkdir(foreign, { mode: 0o700 });
    await cp(join(bundle("clustera"), "ca.pem"), join(foreign, "ca.pem"));
    await cp(join(bundle("clusterb"), "cert.pem"), join(foreign, "cert.pem"));
    await cp(join(bundle("clusterb"), "key.pem"), join(foreign, "key.pem"));
    const before = await readFile(storePath, "utf8");
    const result = await runClustersCommand(
      ["add", "foreign", "--host", `tcp://${lab().clustera.ip}:2376`, "--cert-path", foreign],
      deps,
    );
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(
      new RegExp(
        `^error: tcp://${lab().clustera.ip}:2376 refused our client certificate \\(.*\\): cert\\.pem is not one it trusts$`,
      ),
    );
    expect(await readFile(storePath, "utf8")).toBe(before);
  });

  it("refuses an address of the lab where no host answers, and saves nothing", async () => {
    const nobody = `10.213.${lab().id}.9`;
    const before = await readFile(storePath, "utf8");
    const result = await runClustersCommand(
      ["add", "nobody", "--host", `tcp://${nobody}:2376`, "--cert-path", bundle("clustera")],
      { ...deps, connectTimeoutMs: 5_000 },
    );
    expect(result.exitCode).toBe(1);
    expect(result.output).toMatch(
      new RegExp(
        `^error: (tcp://${nobody}:2376 is unreachable \\(EHOSTUNREACH\\)|tcp://${nobody}:2376 did not answer within 5 s)`,
      ),
    );
    expect(await readFile(storePath, "utf8")).toBe(before);
  });

  it("registers a host by its unix socket, with the advertise address given", async () => {
    const result = await runClustersCommand(
      [
        "add",
        "clustera-local",
        "--host",
        `unix://${lab().clustera.socket}`,
        "--advertise",
        lab().clustera.ip,
      ],
      deps,
    );
    expect(result.exitCode, result.output).toBe(0);
    expect(await reaches(services.clusters.host("clustera-local"), lab().clustera)).toBe(true);
    expect((await runClustersCommand(["remove", "clustera-local"], deps)).exitCode).toBe(0);
  });

  it("never lets the process's DOCKER_* variables redirect a cluster", async () => {
    const saved = {
      host: process.env.DOCKER_HOST,
      path: process.env.DOCKER_CERT_PATH,
      verify: process.env.DOCKER_TLS_VERIFY,
    };
    process.env.DOCKER_HOST = `tcp://${lab().clusterb.ip}:2376`;
    process.env.DOCKER_CERT_PATH = bundle("clusterb");
    process.env.DOCKER_TLS_VERIFY = "1";
    try {
      const result = await runClustersCommand(
        ["add", "a-again", "--host", `tcp://${lab().clustera.ip}:2376`, "--cert-path", bundle("clustera")],
        deps,
      );
      expect(result.exitCode, result.output).toBe(0);
      expect(await reaches(services.clusters.host("a-again"), lab().clustera)).toBe(true);
    } finally {
      for (const [name, value] of [
        ["DOCKER_HOST", saved.host],
        ["DOCKER_CERT_PATH", saved.path],
        ["DOCKER_TLS_VERIFY", saved.verify],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
    await runClustersCommand(["remove", "a-again"], deps);
  });

  it("imports a cluster from a context made by the Docker CLI", async () => {
    const dockerConfig = join(dir, "docker-config");
    const certs = bundle("clusterb");
    await run(
      "docker",
      [
        "context",
        "create",
        "lab-b",
        "--docker",
        `host=tcp://${lab().clusterb.ip}:2376,ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`,
      ],
      { env: { ...process.env, DOCKER_CONFIG: dockerConfig } },
    );
    const result = await runClustersCommand(
      ["add", "from-context", "--context", "lab-b", "--channel", "C0123ABCD"],
      {
        ...deps,
        dockerConfigDir: dockerConfig,
      },
    );
    expect(result.exitCode, result.output).toBe(0);
    expect(result.output).toContain(`Added cluster from-context: tcp://${lab().clusterb.ip}:2376 over TLS`);
    expect(services.clusters.list().find((cluster) => cluster.name === "from-context")).toEqual({
      name: "from-context",
      host: `tcp://${lab().clusterb.ip}:2376`,
      tls: true,
      advertise: lab().clusterb.ip,
      channels: ["C0123ABCD"],
    });
    expect(await grepCount("PRIVATE KEY", storePath)).toBe("0");
    await runClustersCommand(["remove", "from-context"], deps);
  });

  it("records every change in the audit log with who made it", async () => {
    const changes = (await services.audit.entries()).map((entry) => [
      entry.action,
      entry.target,
      entry.actor,
    ]);
    expect(changes).toEqual([
      ["cluster.add", "clustera", actor],
      ["cluster.add", "clusterb", actor],
      ["cluster.add", "clustera-local", actor],
      ["cluster.remove", "clustera-local", actor],
      ["cluster.add", "a-again", actor],
      ["cluster.remove", "a-again", actor],
      ["cluster.add", "from-context", actor],
      ["cluster.remove", "from-context", actor],
    ]);
  });

  it("works from the command line: `ambassador clusters test` in its own process", async () => {
    await services.close();
    const env = { ...process.env, AMBASSADOR_STORE: storePath };
    const { stdout } = await run(
      join(root, "node_modules/.bin/tsx"),
      [join(root, "src/cli.ts"), "clusters", "test"],
      {
        env,
        cwd: root,
      },
    );
    expect(stdout).toMatch(/clustera\s+ok\s+20\.10/);
    expect(stdout).toMatch(/clusterb\s+ok\s+20\.10/);
  });

  it("refuses to start once a record was edited in the file, and `clusters` removes and re-adds it", async () => {
    const env = { ...process.env, AMBASSADOR_STORE: storePath };
    const cli = (...args: string[]) =>
      run(join(root, "node_modules/.bin/tsx"), [join(root, "src/cli.ts"), ...args], { env, cwd: root }).catch(
        (error: { stdout: string; stderr: string; code: number }) => error,
      );
    const json = JSON.parse(await readFile(storePath, "utf8"));
    json.clusters[0].advertise = "203.0.113.9";
    const seal = json.clusters[1].seal;
    seal.tag = Buffer.from(seal.tag, "base64").subarray(0, 4).toString("base64");
    await writeFile(storePath, JSON.stringify(json), { mode: 0o600 });
    const refused = await cli("list");
    expect(refused).toMatchObject({ code: 1, stdout: "" });
    expect(refused.stderr).toBe(
      `Could not start: cluster "clustera" in ${storePath} was changed outside ambassador (its seal no longer matches its host, TLS files, advertise address, channels or who added it), so it is not used; remove it (ambassador clusters remove clustera --force) and add it again from its credentials (ambassador clusters add clustera --docker-env …)\n`,
    );
    for (const name of ["clustera", "clusterb"] as const) {
      const removed = await cli("clusters", "remove", name, "--force");
      expect(removed.stdout).toBe(`Removed cluster ${name}.\n`);
      const added = await cli("clusters", "add", name, "--docker-env", lab()[name].envFile);
      expect(added.stdout).toContain(`Added cluster ${name}`);
    }
    const { stdout } = await cli("clusters", "test");
    expect(stdout).toMatch(/clustera\s+ok\s+20\.10/);
    expect(stdout).toMatch(/clusterb\s+ok\s+20\.10/);
  });
});
