import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { LabHost, LabInfo } from "../lab.js";

const run = promisify(execFile);
const script = new URL("../../lab/lab.sh", import.meta.url).pathname;

/** Stops a lab host's Docker Engine as a crash or a reboot would, and waits until it is gone. */
export async function stopEngine(host: LabHost): Promise<void> {
  const pid = Number((await readFile(host.pidfile, "utf8")).trim());
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dockerd of ${host.name} (pid ${pid}) did not stop within 30 s`);
}

/** Starts whatever lab engine is down again. */
export async function startEngines(info: LabInfo): Promise<void> {
  await run("bash", [script, "up", "--no-register", "--no-app"], {
    env: { ...process.env, AMBASSADOR_LAB_ID: info.id },
  });
}
