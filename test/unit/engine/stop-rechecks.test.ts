import { describe, expect, it } from "vitest";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("an engine stopped with a cluster known to be down", () => {
  it("pings it no more, so nothing holds the process open after the bot closes", async () => {
    const lab = memoryEngine({ deadlines: { read: 300, answer: 100, recheck: 50, ping: 40 } });
    const hung = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
    lab.clusters.add(hung);
    hung.hang();
    await lab.engine.ports("app");
    await pause(200);
    const pings = () => hung.calls.filter((call) => call.action === "ping").length;
    expect(pings()).toBeGreaterThan(0);

    lab.engine.stop();
    await pause(60);
    const atStop = pings();
    await pause(300);

    expect(pings()).toBe(atStop);
  });
});
