import { afterEach, describe, expect, it } from "vitest";
import { syntheticLink } from "../../../bench/bench-store.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const clusterNames = ["clustera", "clusterb", "clusterc"];

async function teamWithHungCluster(links: number) {
  const lab = memoryEngine({ latencyMs: 500, deadlines: { read: 4_000, answer: 800 } });
  const hung = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
  lab.clusters.add(hung);
  hung.hang();
  for (let i = 0; i < links; i++) {
    await lab.links.save(syntheticLink(i, clusterNames[i % 3] ?? "", clusterNames[(i + 1) % 3] ?? ""));
  }
  harness = await startSlackHarness({ lab });
  return { lab, hung, harness };
}

const listings = (host: MemoryDockerHost) => host.calls.filter((call) => call.action === "list containers");

describe("a team sending list at once", () => {
  it("answers 20 concurrent lists of 300 links at once, asking each cluster once, naming the hung one", async () => {
    const { lab, hung, harness } = await teamWithHungCluster(300);

    const replies = await harness.burst(Array.from({ length: 20 }, () => "list"));
    const acked = performance.now();
    expect(replies.map((reply) => reply.status)).toEqual(Array(20).fill(200));
    const firsts = await Promise.all(
      replies.map(async (reply) => (await harness.waitForResponses(reply.responseId, 1, 5_000))[0]),
    );
    expect(performance.now() - acked).toBeLessThan(2_500);
    for (const first of firsts) {
      expect(first?.body.text).toContain("300 links");
      expect(first?.body.text).toMatch(/clusterc: no answer since \d\d:\d\d UTC, still asking/);
    }
    expect(listings(lab.a)).toHaveLength(1);
    expect(listings(lab.b)).toHaveLength(1);
    expect(listings(hung)).toHaveLength(1);

    const wholes = await Promise.all(
      replies.map(async (reply) => (await harness.waitForResponses(reply.responseId, 2, 8_000))[1]),
    );
    for (const whole of wholes) {
      expect(whole?.body.replace_original).toBe(true);
      expect(whole?.body.text).toMatch(/clusterc: no answer since \d\d:\d\d UTC/);
      expect(whole?.body.text).not.toContain("still asking");
    }
  });

  it("skips the cluster known to be down on the next burst, naming it, without asking it again", async () => {
    const { lab, hung, harness } = await teamWithHungCluster(30);
    const first = await harness.slash("list");
    await harness.waitForResponses(first.responseId, 2, 5_000);

    const replies = await harness.burst(Array.from({ length: 10 }, () => "list"));
    const acked = performance.now();
    const posts = await Promise.all(
      replies.map(async (reply) => (await harness.waitForResponses(reply.responseId, 1, 5_000))[0]),
    );

    expect(performance.now() - acked).toBeLessThan(2_000);
    for (const post of posts) {
      expect(post?.body.text).toMatch(/clusterc: no answer since \d\d:\d\d UTC/);
      expect(post?.body.text).not.toContain("still asking");
    }
    expect(listings(hung)).toHaveLength(1);
    expect(listings(lab.a)).toHaveLength(2);
  });
});
