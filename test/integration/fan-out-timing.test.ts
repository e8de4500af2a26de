// Two targets, not three: the lab has three hosts and one is the source. The unit suite times three targets over
// in-memory hosts.
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelKeys } from "../../src/engine/labels.js";
import { createLinkEngine } from "../../src/engine/link-engine.js";
import type { Engine } from "../../src/engine/types.js";
import { lab, labDocker } from "../lab.js";
import { startApp, tester } from "../support/engine-fixture.js";
import { labClusters } from "../support/memory-clusters.js";
import { MemoryLinks, testAuthority } from "../support/memory-links.js";

const median = (values: number[]) =>
  [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] as number;

describe("fan-out time on the lab", () => {
  let engine: Engine;
  let dockers: Docker[];

  beforeAll(async () => {
    const info = lab();
    const clusters = await labClusters(info);
    clusters.add(
      "clusterc",
      await labDocker(info.clusterc),
      info.clusterc.ip,
      `tcp://${info.clusterc.ip}:2376`,
    );
    dockers = await Promise.all([info.clustera, info.clusterb, info.clusterc].map(labDocker));
    engine = createLinkEngine({ clusters, links: new MemoryLinks(), authority: testAuthority() });
    await startApp(dockers[0] as Docker);
  }, 60_000);

  afterAll(async () => {
    for (const docker of dockers) {
      const filters = JSON.stringify({ label: [labelKeys.link] });
      for (const c of await docker.listContainers({ all: true, filters })) {
        await docker.getContainer(c.Id).remove({ force: true });
      }
    }
  });

  it("links to two targets in at most 1.5× the time of one (medians of 5 interleaved runs)", async () => {
    const times: Record<"one" | "two", number[]> = { one: [], two: [] };
    const options = { alias: "helloapp", web: "hello-web:latest" };
    for (let run = 0; run < 5; run++) {
      for (const [kind, targets] of [
        ["one", ["clusterb"]],
        ["two", ["clusterb", "clusterc"]],
      ] as const) {
        const started = performance.now();
        const result = await engine.link("app", "clustera", targets, options, tester);
        times[kind].push(performance.now() - started);
        await engine.teardown(result.link.id, tester);
      }
    }
    const [one, two] = [median(times.one), median(times.two)];
    console.log(
      `fan-out timing: one target ${times.one.map(Math.round)} ms (median ${Math.round(one)}), two targets ${times.two.map(Math.round)} ms (median ${Math.round(two)}), ratio ${(two / one).toFixed(2)}`,
    );
    expect(two / one).toBeLessThanOrEqual(1.5);
  }, 300_000);
});
