import { describe, expect, it } from "vitest";
import { labelKeys } from "../../../src/engine/labels.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { leaveUnrecorded, memoryEngine } from "../../support/memory-engine.js";
import { rejection } from "../../support/rejection.js";

const context: RequestContext = { actor: { kind: "local", user: "op" } };
/** A listing the host took too long to answer. */
const timedOut = { statusCode: undefined, reason: "no answer within 5 s to list containers" };
/** A listing whose connection the host refused. */
const refused = { statusCode: undefined, reason: "connect ECONNREFUSED 10.0.0.13:2376" };

async function names(host: MemoryDockerHost): Promise<string[]> {
  return (await host.listContainers([labelKeys.link])).map((c) => c.Names[0]?.slice(1) ?? "").sort();
}

describe("a teardown whose listing of the link's labelled objects did not answer", () => {
  it("keeps the link, says to run it again, and the next one removes what only the labels showed", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    leaveUnrecorded(lab.b, made.link.id, "app-ambassador-2");
    lab.b.failOn("list containers", refused);
    const error = await rejection(lab.engine.teardown(made.link.id, context));
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Removed what link ${made.link.id} records, but could not list what else carries its label \\(.+\\); run teardown ${made.link.id} again\\.$`,
      ),
    );
    expect(lab.links.get(made.link.id)?.status).toBe("partial");
    expect(await names(lab.b)).toEqual(["app-ambassador-2"]);
    const finished = await lab.engine.teardown(made.link.id, context);
    expect(finished.status).toBe("removed");
    expect(finished.removed.map((r) => r.name)).toContain("app-ambassador-2");
    expect(await names(lab.b)).toEqual([]);
    expect(lab.links.get(made.link.id)).toBeUndefined();
  });

  it("whose deadline passed, asks that host nothing more: its parts are left and named, and the next one removes them", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const onB = made.link.resources.filter((r) => r.cluster === "clusterb");
    lab.b.failOn("list containers", timedOut);
    const callsBefore = lab.b.calls.length;
    const partial = await lab.engine.teardown(made.link.id, context);
    expect(partial.status).toBe("partial");
    expect(partial.left.map((r) => `${r.kind} ${r.name}: ${r.error}`).sort()).toEqual(
      onB
        .map((r) => `${r.kind} ${r.name}: clusterb: list containers: no answer within 5 s to list containers`)
        .sort(),
    );
    expect(lab.b.calls.slice(callsBefore).map((call) => call.action)).toEqual([
      "list containers",
      "list networks",
    ]);
    expect(lab.links.get(made.link.id)?.status).toBe("partial");
    const finished = await lab.engine.teardown(made.link.id, context);
    expect(finished.status).toBe("removed");
    expect(await names(lab.b)).toEqual([]);
  });

  it("with --target, keeps that target leaving, says to run it again, and the next one finishes", async () => {
    const lab = memoryEngine();
    const c = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
    lab.clusters.add(c);
    const made = await lab.engine.link(
      "app",
      "clustera",
      ["clusterb", "clusterc"],
      { web: "hello-web" },
      context,
    );
    leaveUnrecorded(c, made.link.id, "app-ambassador-2");
    c.failOn("list containers", timedOut);
    const error = await rejection(lab.engine.teardown(made.link.id, context, { target: "clusterc" }));
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Removed what link ${made.link.id} records on clusterc, but could not list what else carries its label there \\(.+\\); run teardown ${made.link.id} --target clusterc again\\.$`,
      ),
    );
    expect(lab.links.get(made.link.id)?.targets).toContainEqual(
      expect.objectContaining({ cluster: "clusterc", leaving: true }),
    );
    const finished = await lab.engine.teardown(made.link.id, context, { target: "clusterc" });
    expect(finished.status).toBe("removed");
    expect(await names(c)).toEqual([]);
    expect(lab.links.get(made.link.id)?.targets.map((t) => t.cluster)).toEqual(["clusterb"]);
  });
});
