import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { type MemoryEngine, memoryEngine } from "../../support/memory-engine.js";

const tester = { actor: { kind: "local" as const, user: "tester" } };
const seedImage = "svendowideit/ambassador:latest";

function sourceOf(link: LinkRecord | undefined): string {
  const source = link?.resources.find((r) => r.kind === "container" && r.role === "source");
  if (!source) throw new Error("the link records no source ambassador");
  return source.id;
}

async function sourceInspect(lab: MemoryEngine, linkId: string) {
  const info = await lab.a.inspectContainer(sourceOf(lab.links.get(linkId)));
  if (!info) throw new Error("the source ambassador is gone");
  return info;
}

describe("a source ambassador's admission by the kernel", () => {
  it("is asked for with NET_ADMIN on every link of our image, and repair remakes a source an older version made without it, and the target for its new port", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, tester);
    const id = made.link.id;
    const before = await sourceInspect(lab, id);
    expect(before.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
    expect((await lab.engine.repair(id, tester)).recreated).toEqual([]);

    lab.a.withoutAddedCapabilities(before.Id);
    const mended = await lab.engine.repair(id, tester);
    // The old one holds its port until the repair has succeeded: the new one listens on another, which the target
    // ambassador is made again for.
    expect(mended.recreated.map((part) => `${part.role} on ${part.cluster}: ${part.reason}`)).toEqual([
      "source on clustera: its port was open to hosts it does not admit",
      "target on clusterb: stale connection information",
    ]);
    expect(mended.replaced.map((part) => part.name)).toContain(before.Name.slice(1));
    const after = await sourceInspect(lab, id);
    expect(after.Id).not.toBe(before.Id);
    expect(after.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
    const port = after.NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort;
    expect(mended.connections).toEqual([{ port: 5000, address: `${lab.a.advertise}:${port}` }]);
    expect(await lab.a.inspectContainer(before.Id)).toBeUndefined();
    expect((await lab.engine.repair(id, tester)).recreated).toEqual([]);
  });

  it("is never asked of the seed's image, which knows nothing of admission, and repair leaves its source alone", async () => {
    const lab = memoryEngine({ ambassadorImage: seedImage });
    const made = await lab.engine.link("app", "clustera", "clusterb", { plaintext: true }, tester);
    expect((await sourceInspect(lab, made.link.id)).HostConfig.CapAdd ?? []).toEqual([]);
    expect((await lab.engine.repair(made.link.id, tester)).recreated).toEqual([]);
  });
});
