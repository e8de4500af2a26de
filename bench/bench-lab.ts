import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { createDockerClient } from "../src/docker/docker-client.js";
import type { TlsMaterial } from "../src/docker/tls-material.js";
import { UserError } from "../src/errors.js";

const run = promisify(execFile);
const labScript = new URL("../lab/lab.sh", import.meta.url).pathname;

/** One lab host as the benchmark sees it. */
export interface BenchHost {
  name: "clustera" | "clusterb";
  ip: string;
  docker: Docker;
  /** The client certificate the lab printed for this host. */
  tls: TlsMaterial;
  /** The host's credentials bundle as the docker CLI takes it: DOCKER_HOST, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH. */
  dockerEnv: Record<string, string>;
  /** Where the host's dockerd wrote its process ID (its containerd runs as its child). */
  pidFile: string;
}

/** The running lab: host A carries the sinks and source ambassadors, host B the clients and target ambassadors. */
export interface BenchLab {
  id: string;
  a: BenchHost;
  b: BenchHost;
}

async function labCommand(labId: string, command: string): Promise<string> {
  const { stdout } = await run("bash", [labScript, command], {
    env: { ...process.env, AMBASSADOR_LAB_ID: labId },
  });
  return stdout;
}

export async function openLab(labId: string): Promise<BenchLab> {
  const up = await labCommand(labId, "status").then(
    () => true,
    () => false,
  );
  if (!up) {
    throw new UserError(
      "lab_down",
      `the lab ${labId} is not up; start it with: AMBASSADOR_LAB_ID=${labId} npm run lab:up`,
    );
  }
  const env = new Map(
    (await labCommand(labId, "env"))
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const),
  );
  const host = async (name: BenchHost["name"]): Promise<BenchHost> => {
    const key = name.toUpperCase();
    const ip = env.get(`LAB_${key}_IP`);
    const envFile = env.get(`LAB_${key}_ENV`);
    const pidFile = env.get(`LAB_${key}_PIDFILE`);
    if (!ip || !envFile || !pidFile) throw new Error(`lab.sh env did not describe ${name}`);
    const read = (file: string) => readFile(join(dirname(envFile), file), "utf8");
    const tls = { ca: await read("ca.pem"), cert: await read("cert.pem"), key: await read("key.pem") };
    const dockerEnv = Object.fromEntries(
      (await readFile(envFile, "utf8"))
        .split("\n")
        .map((line) => /^(?:export\s+)?(DOCKER_\w+)=(.*)$/.exec(line.trim()))
        .flatMap((match) => (match?.[1] && match[2] !== undefined ? [[match[1], match[2]]] : [])),
    );
    return {
      name,
      ip,
      tls,
      dockerEnv,
      pidFile,
      docker: createDockerClient({ host: `tcp://${ip}:2376`, tls }, { timeoutMs: 60_000 }),
    };
  };
  return { id: labId, a: await host("clustera"), b: await host("clusterb") };
}
