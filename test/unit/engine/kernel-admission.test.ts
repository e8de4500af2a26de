import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import type { LinkView } from "../../../src/engine/types.js";
import { nextStepLines } from "../../../src/render/format.js";
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

describe("an mTLS target ambassador on a network of the link's", () => {
  const variable = (entries: string[] | undefined, name: string) =>
    entries?.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);
  const targetOf = (lab: MemoryEngine, linkId: string) =>
    lab.links.get(linkId)?.resources.find((r) => r.kind === "container" && r.role === "target")?.id ?? "";

  it("admits every address on its network but the gateway's, the host's own, and repair remakes one that admitted all", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", {}, tester);
    const id = made.link.id;
    expect(made.link.wiring).toBe("networks");
    const network = await lab.b.inspectNetwork(`ambassador-${id}-target`);
    const gateway = network?.IPAM?.Config?.[0]?.Gateway ?? "";
    const target = await lab.b.inspectContainer(targetOf(lab, id));
    const admitted = variable(target?.Config.Env, "AMBASSADOR_ADMIT")?.split(",") ?? [];
    expect(admitted).toHaveLength(16);
    expect(admitted).toContain(`${gateway.replace(/\.1$/, ".0")}/32`);
    expect(admitted).not.toContain(`${gateway}/32`);
    expect(target?.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
    expect((await lab.engine.repair(id, tester)).recreated).toEqual([]);

    lab.b.withoutVariable(targetOf(lab, id), "AMBASSADOR_ADMIT");
    lab.b.withoutLabel(targetOf(lab, id), "io.ambassador.admits");
    const older = (await lab.engine.stagedList({ ids: [id] })).now.views[0];
    expect(older?.status).toBe("active");
    expect(nextStepLines(older as LinkView)).toEqual([
      `Next: run repair ${id} to make again target ambassador ${made.target.name} on clusterb, which lets the host's own processes reach the link.`,
    ]);
    const mended = await lab.engine.repair(id, tester);
    expect(mended.recreated.map((part) => `${part.role} on ${part.cluster}: ${part.reason}`)).toEqual([
      "target on clusterb: it admitted its host's processes, not only the containers on its network",
    ]);
    const after = await lab.b.inspectContainer(targetOf(lab, id));
    expect(variable(after?.Config.Env, "AMBASSADOR_ADMIT")?.split(",")).toEqual(admitted);
    const now = (await lab.engine.stagedList({ ids: [id] })).now.views[0];
    expect(nextStepLines(now as LinkView)).toEqual([]);
  });

  it("is not asked of a plaintext link, whose target relays for any container that reaches it", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { plaintext: true }, tester);
    const target = await lab.b.inspectContainer(targetOf(lab, made.link.id));
    expect(variable(target?.Config.Env, "AMBASSADOR_ADMIT")).toBeUndefined();
  });
});
