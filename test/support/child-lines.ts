import { type ChildProcess, spawn } from "node:child_process";

/** A child process whose standard output is read line by line, for tests that talk to it. */
export interface LineChild {
  child: ChildProcess;
  lines: string[];
  /** Resolves to the first line from index `from` on (seen or still to come) that `match` accepts. */
  next(match: (line: string) => boolean, from?: number, timeoutMs?: number): Promise<string>;
  /** Resolves once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `command` and collects its output lines. */
export function spawnLines(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): LineChild {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], env });
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let buffered = "";
  child.stdout?.on("data", (chunk) => {
    buffered += String(chunk);
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    for (const wake of waiters) wake();
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    next(match, from = 0, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = lines.slice(from).find(match);
          if (found === undefined) return false;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no matching line in time; saw ${JSON.stringify(lines)}; stderr: ${stderr}`));
        }, timeoutMs);
        if (!check()) waiters.add(check);
      });
    },
  };
}
