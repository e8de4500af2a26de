import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import type { BenchLab } from "./bench-lab.js";

/** CPU time spent while something ran, in ms: by the whole machine, and by the lab hosts' Docker daemons. */
export interface CpuUse {
  /** Every process of the machine: user, nice, system, irq and softirq time over all cores (/proc/stat). */
  machineMs: number;
  /**
   * dockerd and containerd of clustera and clusterb, with the children they waited for (iptables and the like); not
   * the containers' shims and runc, which run apart from them.
   */
  enginesMs: number;
}

const tickMs = 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

async function machineTicks(): Promise<number> {
  const [user, nice, system, , , irq, softirq] = (await readFile("/proc/stat", "utf8"))
    .split("\n", 1)[0]
    ?.split(/\s+/)
    .slice(1)
    .map(Number) ?? [0];
  return (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0);
}

/** utime + stime + cutime + cstime of a process (0 once it is gone). */
async function processTicks(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat
    .slice(stat.lastIndexOf(")") + 2)
    .split(" ")
    .map(Number);
  return (fields[11] ?? 0) + (fields[12] ?? 0) + (fields[13] ?? 0) + (fields[14] ?? 0);
}

/** The lab hosts' dockerd and containerd process IDs. */
async function enginePids(lab: BenchLab): Promise<number[]> {
  const pids: number[] = [];
  for (const host of [lab.a, lab.b]) {
    const dockerd = Number((await readFile(host.pidFile, "utf8")).trim());
    const children = await readFile(`/proc/${dockerd}/task/${dockerd}/children`, "utf8").catch(() => "");
    pids.push(dockerd, ...children.split(/\s+/).filter(Boolean).map(Number));
  }
  return pids;
}

/** Runs `work` and says how much CPU the machine and the lab's Docker daemons spent meanwhile. */
export async function cpuDuring(lab: BenchLab, work: () => Promise<void>): Promise<CpuUse> {
  const pids = await enginePids(lab);
  const engines = async () => (await Promise.all(pids.map(processTicks))).reduce((a, b) => a + b, 0);
  const [machine0, engines0] = [await machineTicks(), await engines()];
  await work();
  const [machine1, engines1] = [await machineTicks(), await engines()];
  return { machineMs: (machine1 - machine0) * tickMs, enginesMs: (engines1 - engines0) * tickMs };
}
