import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import type { LabHost, LabInfo } from "./lab.js";

const run = promisify(execFile);
const script = new URL("../lab/lab.sh", import.meta.url).pathname;

async function lab(command: string, ...options: string[]): Promise<string> {
  const { stdout } = await run("bash", [script, command, ...options], { maxBuffer: 8 * 1024 * 1024 });
  return stdout;
}

async function readLabInfo(): Promise<LabInfo> {
  const env = Object.fromEntries(
    (await lab("env"))
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
  );
  const host = (name: LabHost["name"]) => {
    const key = name.toUpperCase();
    return {
      name,
      ip: env[`LAB_${key}_IP`] ?? "",
      envFile: env[`LAB_${key}_ENV`] ?? "",
      socket: env[`LAB_${key}_SOCKET`] ?? "",
      netns: env[`LAB_${key}_NETNS`] ?? "",
      pidfile: env[`LAB_${key}_PIDFILE`] ?? "",
    };
  };
  const info: LabInfo = {
    id: env.AMBASSADOR_LAB_ID ?? "0",
    dir: env.LAB_DIR ?? "",
    bridgeIp: env.LAB_BRIDGE_IP ?? "",
    clustera: host("clustera"),
    clusterb: host("clusterb"),
    clusterc: host("clusterc"),
  };
  await readFile(info.clustera.envFile);
  return info;
}

export default async function setup(project: TestProject) {
  const wasUp = await lab("status").then(
    () => true,
    () => false,
  );
  if (!wasUp) {
    try {
      // The tests bring their own containers and stores: the person's store and clustera stay untouched.
      await lab("up", "--no-register", "--no-app");
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? String(error);
      throw new Error(
        `The lab (three Docker Engines) did not start, so integration tests cannot run:\n${stderr.trim()}\n` +
          "Fix the cause above and run `npm run lab:up` to check, or set AMBASSADOR_SKIP_LAB=1 to run unit tests only.",
      );
    }
  }
  project.provide("lab", await readLabInfo());
  return async () => {
    if (!wasUp && process.env.AMBASSADOR_KEEP_LAB !== "1") await lab("down");
  };
}
