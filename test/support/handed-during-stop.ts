import { expect } from "vitest";
import { startSilentPort } from "../../bench/bench-store.js";
import { ambassador } from "./bot-process.js";

/**
 * Hands the running bot a command that takes its 5 s deadline (`clusters add` of a host that never answers), sends
 * SIGTERM 2.5 s in, and checks the command still answered as it would have without the signal.
 */
export async function handSlowCommandAndStop(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const silent = await startSilentPort();
  try {
    const adding = ambassador(
      ["clusters", "add", "silent", "--host", `tcp://127.0.0.1:${silent.port}`],
      dir,
      env,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    process.emit("SIGTERM");
    const added = await adding;
    expect(added.stderr).not.toMatch(/stopped before it answered|closed the connection/);
    expect(added).toMatchObject({ code: 1, stdout: "" });
    expect(added.stderr).toMatch(/^error: tcp:\/\/127\.0\.0\.1:\d+ did not /);
  } finally {
    await silent.close();
  }
}
