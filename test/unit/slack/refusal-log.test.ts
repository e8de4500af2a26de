import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/logger.js";
import { refusalLog } from "../../../src/slack/refusal-log.js";
import { CapturedOutput } from "../../support/fakes.js";

function lines(output: CapturedOutput): { msg: string; count: number }[] {
  return output.text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; count: number });
}

describe("refusals in the log", () => {
  it("come a line per kind per interval, and those held back are counted once it is over, even with no more", async () => {
    const output = new CapturedOutput();
    const refused = refusalLog(createLogger({ level: "info", secrets: [], destination: output }), 200);
    for (let i = 0; i < 50; i++) refused("refused a request not signed by Slack", { remote: "127.0.0.2" });
    refused("refused requests for other paths or methods");
    expect(lines(output).map(({ msg, count }) => [msg, count])).toEqual([
      ["refused a request not signed by Slack", 1],
      ["refused requests for other paths or methods", 1],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(
      lines(output)
        .slice(2)
        .map(({ msg, count }) => [msg, count]),
    ).toEqual([["refused a request not signed by Slack: 49 more since the last line", 49]]);
  });
});
