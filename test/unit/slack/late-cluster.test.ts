import { afterEach, describe, expect, it } from "vitest";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe("a read in Slack with a late cluster", () => {
  it("posts what came within 1 s, then replaces that same message once the late cluster answers", async () => {
    const lab = memoryEngine({ deadlines: { read: 4_000, answer: 1_000 } });
    const late = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14", latencyMs: 1_800 });
    late.run({ name: "app", Image: "hello-app", HostConfig: { PortBindings: { "5000/tcp": [{}] } } });
    lab.clusters.add(late);
    harness = await startSlackHarness({ lab });

    const started = performance.now();
    const reply = await harness.slash("ports app");
    expect(reply.status).toBe(200);
    const [first] = await harness.waitForResponses(reply.responseId, 1, 5_000);
    const firstMs = performance.now() - started;
    const [, update] = await harness.waitForResponses(reply.responseId, 2, 5_000);

    expect(firstMs).toBeLessThan(1_500);
    expect(first?.body).toMatchObject({ response_type: "in_channel", replace_original: false });
    expect(first?.body.text).toContain("app on clustera:");
    expect(first?.body.text).toMatch(/clusterc: no answer since \d\d:\d\d UTC, still asking/);
    expect(first?.body.text).not.toContain("app on clusterc");

    expect(update?.body).toMatchObject({ response_type: "in_channel", replace_original: true });
    expect(update?.body.text).toContain("app on clustera:");
    expect(update?.body.text).toMatch(/app on clusterc:\n {2}5000\/tcp -> 10\.0\.0\.14:\d+/);
    expect(update?.body.text).not.toContain("no answer");
    expect(JSON.stringify(update?.body.blocks)).toContain("clusterc");
    expect(harness.responses.filter((post) => post.id === reply.responseId)).toHaveLength(2);
  });
});
