import { expect } from "vitest";
import type { ApiCall } from "../../bench/slack-client.js";
import type { LogLine } from "./fakes.js";
import { memoryEngine } from "./memory-engine.js";
import { sleep } from "./raw-http.js";
import { type SlackHarness, startSlackHarness } from "./slack-harness.js";

/** The Slack harness over in-memory hosts with one link made and stored, and that link's ID. */
export async function startLinkedHarness(): Promise<{ harness: SlackHarness; linkId: string }> {
  const lab = memoryEngine();
  const made = await lab.engine.link(
    "app",
    "clustera",
    "clusterb",
    {},
    { actor: { kind: "local", user: "op" } },
  );
  return { harness: await startSlackHarness({ lab, storedLinks: true }), linkId: made.link.id };
}

/** The warnings logged with exactly this message. */
export function warned(harness: SlackHarness, message: string): LogLine[] {
  return harness.log.lines().filter((line) => line.level === 40 && line.msg === message);
}

/** The Web API calls made with this method. */
export function calls(harness: SlackHarness, method: string): ApiCall[] {
  return harness.apiCalls.filter((call) => call.method === method);
}

/** Nothing failed: no error logged, the link is still there, and no command was audited. */
export async function nothingFailedOrRan(harness: SlackHarness, linkId: string): Promise<void> {
  await sleep(200);
  expect(harness.log.lines().filter((line) => line.level >= 50)).toEqual([]);
  expect(harness.lab?.links.get(linkId)).toBeDefined();
  expect(await harness.services.audit.entries()).toEqual([]);
}
