import { describe, expect, it } from "vitest";
import { checkPath, ProbeKilled } from "../../../src/engine/path-probe.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };

/** What checking a new link's path throws once its source ambassador's probe is made to end as `probe` says. */
async function probedWith(probe: "killedProbes" | "brokenPaths"): Promise<unknown> {
  const lab = memoryEngine();
  const made = await lab.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, context);
  const source = made.link.resources.find((r) => r.role === "source");
  lab.a[probe].add(source?.id ?? "");
  return checkPath(lab.clusters, made.link, 1000).catch((error: unknown) => error);
}

describe("a path probe of a link's ambassador", () => {
  it("killed after it proved a route gives no verdict, rather than naming the route that works", async () => {
    const killed = await probedWith("killedProbes");
    expect(killed).toBeInstanceOf(ProbeKilled);
    expect((killed as Error).message).not.toContain("works");
  });

  it("that fails names the route that failed", async () => {
    const failed = await probedWith("brokenPaths");
    expect(failed).not.toBeInstanceOf(ProbeKilled);
    expect((failed as Error).message).toBe(
      `source ambassador on clustera: the peer closed the connection at once`,
    );
  });
});
