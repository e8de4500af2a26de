import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { finishBeforeLeaving } from "../../src/run-here.js";

function signalled(signals: NodeJS.Signals[]) {
  const stderr = new PassThrough();
  let said = "";
  stderr.on("data", (chunk: Buffer) => {
    said += chunk.toString();
  });
  const codes: number[] = [];
  const remove = finishBeforeLeaving("link", { stderr } as never, (code) => codes.push(code));
  try {
    for (const signal of signals) process.emit(signal, signal);
  } finally {
    remove();
  }
  return { said: () => said, codes };
}

describe("a one-shot command that changes links, signalled", () => {
  it("finishes on the first signal and leaves on the second with the shell's code for that signal", async () => {
    const term = signalled(["SIGTERM", "SIGTERM"]);
    const int = signalled(["SIGINT", "SIGINT"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(term.said().split("\n")).toEqual([
      "Finishing `link` first, so that nothing is left half-done; interrupt again to stop at once.",
      "Stopped before `link` finished; `reconcile` names what it left behind.",
      "",
    ]);
    expect(term.codes).toEqual([143]);
    expect(int.codes).toEqual([130]);
  });
});
