import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { describeError } from "../src/errors.js";
import type { BenchHost } from "./bench-lab.js";

/** The label on everything the benchmark creates; its value is the run's ID. */
export const benchLabel = "ambassador.bench";

/** Runs one Docker call and, on failure, says what was being done on which host. */
export async function step<T>(host: BenchHost, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new Error(`${what} on ${host.name} failed: ${describeError(error)}`, { cause: error });
  }
}

/** What a command run in a container printed, and how it ended. */
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export async function execIn(
  host: BenchHost,
  container: Docker.Container,
  cmd: string[],
  timeoutMs: number,
): Promise<ExecResult> {
  return step(
    host,
    `running ${cmd[0]} ${cmd.slice(3, 5).join(" ")} in ${container.id.slice(0, 12)}`,
    async () => {
      const exec = await container.exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
      const stream = await exec.start({ hijack: true, stdin: false });
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      const chunks = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
      stdout.on("data", (chunk: Buffer) => chunks.stdout.push(chunk));
      stderr.on("data", (chunk: Buffer) => chunks.stderr.push(chunk));
      host.docker.modem.demuxStream(stream, stdout, stderr);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          stream.destroy();
          reject(new Error(`no result within ${timeoutMs} ms`));
        }, timeoutMs);
        stream.on("end", () => {
          clearTimeout(timer);
          resolve();
        });
        stream.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      const { ExitCode } = await exec.inspect();
      return {
        exitCode: ExitCode ?? -1,
        stdout: Buffer.concat(chunks.stdout).toString("utf8"),
        stderr: Buffer.concat(chunks.stderr).toString("utf8"),
      };
    },
  );
}

/**
 * The lab's engines run on this machine, so the benchmark lends its own Node (and the libraries it links) to
 * the sink and client containers, read-only: connections are then timed inside the container without a
 * process start per connection.
 */
export async function lentNode(): Promise<{ binds: string[]; env: string[]; node: string }> {
  const node = await realpath(process.execPath);
  const { stdout } = await promisify(execFile)("ldd", [node]);
  const libraryDirs = new Set<string>();
  for (const match of stdout.matchAll(/=> (\/\S+)/g))
    libraryDirs.add(dirname(await realpath(match[1] ?? "")));
  const dirs = [...libraryDirs];
  return {
    node: "/opt/bench/node",
    binds: [`${node}:/opt/bench/node:ro`, ...dirs.map((dir, i) => `${dir}:/opt/bench/lib${i}:ro`)],
    env: [`LD_LIBRARY_PATH=${dirs.map((_, i) => `/opt/bench/lib${i}`).join(":")}`],
  };
}

/** Removes every container and network of one benchmark run from a host, and says what it could not remove. */
export async function removeRun(host: BenchHost, runId: string): Promise<string[]> {
  const problems: string[] = [];
  const filters = JSON.stringify({ label: [`${benchLabel}=${runId}`] });
  const containers = await host.docker.listContainers({ all: true, filters }).catch((error) => {
    problems.push(`listing containers on ${host.name}: ${describeError(error)}`);
    return [];
  });
  await Promise.all(
    containers.map((info) =>
      host.docker
        .getContainer(info.Id)
        .remove({ force: true })
        .catch((error) =>
          problems.push(`removing ${info.Names[0]} on ${host.name}: ${describeError(error)}`),
        ),
    ),
  );
  const networks = await host.docker.listNetworks({ filters }).catch((error) => {
    problems.push(`listing networks on ${host.name}: ${describeError(error)}`);
    return [];
  });
  for (const info of networks) {
    await host.docker
      .getNetwork(info.Id)
      .remove()
      .catch((error) =>
        problems.push(`removing network ${info.Name} on ${host.name}: ${describeError(error)}`),
      );
  }
  return problems;
}
