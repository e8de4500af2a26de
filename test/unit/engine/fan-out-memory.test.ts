import { describe, expect, it } from "vitest";
import type { LinkStep } from "../../../src/engine/link-engine.js";
import { createLinkEngine } from "../../../src/engine/link-engine.js";
import { LinkStepError } from "../../../src/engine/step-errors.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { UserError } from "../../../src/errors.js";
import { renderText } from "../../../src/render/text.js";
import { MemoryClusterDirectory, MemoryDockerHost } from "../../support/memory-docker.js";
import { MemoryLinks, testAuthority } from "../../support/memory-links.js";
import { rejection } from "../../support/rejection.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };
const linkLabel = "io.ambassador.link";

function setup(beforeStep?: (step: LinkStep) => void | Promise<void>) {
  const a = new MemoryDockerHost({ latencyMs: 0, name: "clustera", advertise: "10.0.0.12" });
  const b = new MemoryDockerHost({ latencyMs: 0, name: "clusterb", advertise: "10.0.0.13" });
  const c = new MemoryDockerHost({ latencyMs: 0, name: "clusterc", advertise: "10.0.0.14" });
  a.run({ name: "app", Image: "hello-app" });
  const links = new MemoryLinks();
  const clusters = new MemoryClusterDirectory([a, b, c]);
  const engine = createLinkEngine({
    authority: testAuthority(),
    clusters,
    links,
    deadlines: { handshake: 50 },
    beforeStep,
  });
  const fanOut = () =>
    engine.link("app", "clustera", ["clusterb", "clusterc"], { web: "hello-web" }, context);
  return { a, b, c, clusters, links, engine, fanOut };
}

async function labelled(host: MemoryDockerHost) {
  const containers = await host.listContainers([linkLabel]);
  const networks = await host.listNetworks([linkLabel]);
  return { containers: containers.map((c) => c.Names.join(",")), networks: networks.map((n) => n.Name) };
}

async function env(host: MemoryDockerHost, role: string): Promise<string[]> {
  const [found] = await host.listContainers([`io.ambassador.role=${role}`]);
  if (!found) throw new Error(`no ${role} on ${host.name}`);
  return (await host.inspectContainer(found.Id))?.Config.Env ?? [];
}

const variable = (entries: string[], name: string) =>
  entries.find((entry) => entry.startsWith(`${name}=`))?.slice(name.length + 1);

describe("a link fanned out to two targets", () => {
  it("makes one source ambassador admitting both targets, and each target its own ambassador, name and consumer", async () => {
    const lab = setup();
    const result = await lab.fanOut();
    const id = result.link.id;
    expect((await lab.a.listContainers(["io.ambassador.role=source"])).length).toBe(1);
    const source = await env(lab.a, "source");
    expect(variable(source, "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32,10.0.0.14/32");
    expect(variable(source, "AMBASSADOR_TLS_PEER")).toBe(
      `ambassador-${id}-target-clusterb,ambassador-${id}-target-clusterc`,
    );
    for (const host of [lab.b, lab.c]) {
      expect(variable(await env(host, "target"), "AMBASSADOR_TLS_PEER")).toBe(`ambassador-${id}-source`);
      // No network: each target ambassador runs in its own consumer's network namespace.
      expect((await labelled(host)).networks).toEqual([]);
      const [target] = await host.listContainers(["io.ambassador.role=target"]);
      const [web] = await host.listContainers(["io.ambassador.role=web"]);
      expect(target?.HostConfig.NetworkMode).toBe(`container:${web?.Id}`);
    }
    expect(result.targets.map((t) => t.cluster)).toEqual(["clusterb", "clusterc"]);
    expect(result.targets.map((t) => t.webUrls.length)).toEqual([1, 1]);
    expect(result.targets[1]?.webUrls[0]).toMatch(/^http:\/\/10\.0\.0\.14:/);
    expect(result.link.targets).toEqual([
      { cluster: "clusterb", certificate: `ambassador-${id}-target-clusterb` },
      { cluster: "clusterc", certificate: `ambassador-${id}-target-clusterc` },
    ]);
  });

  it("asked again, returns the same link", async () => {
    const lab = setup();
    const first = await lab.fanOut();
    const second = await lab.fanOut();
    expect(second.existing).toBe(true);
    expect(second.link.id).toBe(first.link.id);
    expect(second.targets.map((t) => t.webUrls)).toEqual(first.targets.map((t) => t.webUrls));
  });

  it("rolls back all three hosts when the third target fails", async () => {
    const lab = setup((step) => {
      if (step.name === "start target ambassador" && step.cluster === "clusterc") throw new Error("injected");
    });
    const error = await rejection(lab.fanOut());
    expect(error).toBeInstanceOf(LinkStepError);
    expect((error as LinkStepError).message).toMatch(
      /^Link failed at step "start target ambassador" on clusterc:/,
    );
    for (const host of [lab.a, lab.b, lab.c]) {
      expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    }
    expect(lab.links.all()).toEqual([]);
  });

  it("refuses a target named twice, or the source as a target, before anything is made", async () => {
    const lab = setup();
    const twice = await rejection(lab.engine.link("app", "clustera", ["clusterb", "clusterb"], {}, context));
    expect(twice).toBeInstanceOf(UserError);
    expect((twice as UserError).message).toBe(
      "Target cluster clusterb is named twice; name each target once.",
    );
    const same = await rejection(lab.engine.link("app", "clustera", ["clusterb", "clustera"], {}, context));
    expect((same as UserError).message).toMatch(
      /^clustera is the source cluster and cannot also be a target/,
    );
    for (const host of [lab.a, lab.b, lab.c]) {
      expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    }
  });

  it("refuses a target that is the source's host under another name, unless registered with --egress", async () => {
    const lab = setup();
    const d = new MemoryDockerHost({
      latencyMs: 0,
      name: "clusterd",
      advertise: "10.0.0.12",
      url: "tcp://a:2376",
    });
    lab.clusters.add(d);
    const same = await rejection(lab.engine.link("app", "clustera", ["clusterb", "clusterd"], {}, context));
    expect((same as UserError).message).toBe(
      "clusterd and clustera are one host (the same advertise address), whose containers connect from their own networks' addresses, which the link would not admit; link to another host, or register clusterd again with --egress naming those networks.",
    );
    for (const host of [lab.a, lab.b, lab.c]) {
      expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    }
    lab.clusters.remove("clusterd");
    lab.clusters.add(d, { egress: ["172.17.0.0/16"] });
    const made = await lab.engine.link("app", "clustera", "clusterd", {}, context);
    expect(made.link.status).toBe("active");
  });
});

describe("what link, status and list answer", () => {
  it("names every target with its consumer's URL and mappings", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const [onB, onC] = made.targets.map((t) => t.webUrls[0] as string);
    const linked = renderText({ kind: "link", result: made });
    expect(linked).toContain("Linked app from clustera to clusterb, clusterc as app");
    expect(linked).toContain(`Web: ${onB} (clusterb)`);
    expect(linked).toContain(`Web: ${onC} (clusterc)`);
    const [view] = await lab.engine.list();
    if (!view) throw new Error("no link listed");
    const status = renderText({ kind: "status", view });
    expect(status).toContain(`-> clusterb,clusterc`);
    for (const url of [onB, onC] as string[]) {
      const port = url.split(":").at(-1);
      expect(status).toMatch(new RegExp(`\\d+/tcp -> 10\\.0\\.0\\.1[34]:${port}   ${url}`));
    }
    const list = renderText({ kind: "list", links: [view] });
    expect(list).toContain(onB);
    expect(list).toContain(onC);
  });
});

describe("teardown --target", () => {
  it("says which of that target's parts were already gone", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    lab.c.removeExternally("web");
    const result = await lab.engine.teardown(made.link.id, context, { target: "clusterc" });
    expect(result.gone).toEqual([{ cluster: "clusterc", kind: "container", name: "web" }]);
    expect(result.removed.map((r) => `${r.kind} ${r.name}`)).not.toContain("container web");
  });

  it("leaves the link broken, not active, while its source ambassador is not remade, and repair mends it", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    lab.a.failOn("create container");
    const error = await rejection(lab.engine.teardown(id, context, { target: "clusterc" }));
    expect((error as UserError).code).toBe("source-not-remade");
    expect(lab.links.get(id)?.status).toBe("broken");
    const [view] = await lab.engine.list();
    expect(view?.status).toBe("broken");
    // The source ambassador it removed stays named, so what is missing is said, and where repair comes in.
    const sourceName = made.link.resources.find((r) => r.role === "source")?.name;
    expect(view?.containers.find((c) => c.role === "source")).toMatchObject({
      name: sourceName,
      state: "missing",
    });
    const checked = await lab.engine.reconcile({ fix: false });
    expect(checked.broken).toEqual([
      expect.objectContaining({ linkId: id, missing: [`container ${sourceName} on clustera`] }),
    ]);
    const mended = await lab.engine.repair(id, context);
    expect(mended.recreated.map((r) => `${r.role} on ${r.cluster}`)).toEqual(["source on clustera"]);
    expect(lab.links.get(id)?.status).toBe("active");
  });

  it("marks the target leaving before anything of it goes: cut short, it is neither repaired back nor shown active", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    // Cut short once the target's parts are gone, before the link is saved without it: the store refuses that write.
    const save = lab.links.save.bind(lab.links);
    let saves = 0;
    lab.links.save = (record) => (++saves === 2 ? Promise.reject(new Error("killed")) : save(record));
    await rejection(lab.engine.teardown(id, context, { target: "clusterc" }));
    lab.links.save = save;
    expect((await labelled(lab.c)).containers).toEqual([]);
    expect(lab.links.get(id)?.targets.find((t) => t.cluster === "clusterc")?.leaving).toBe(true);
    const [view] = await lab.engine.list();
    expect(view?.status).toBe("partial");
    expect(((await rejection(lab.engine.repair(id, context))) as UserError).code).toBe("target-leaving");
    expect(await labelled(lab.c)).toEqual({ containers: [], networks: [] });
    const second = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(second.status).toBe("removed");
    expect(lab.links.get(id)?.targets.map((t) => t.cluster)).toEqual(["clusterb"]);
    expect(variable(await env(lab.a, "source"), "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
  });

  it("leaves a target it removed only in part out of repairs until a second teardown --target finishes it", async () => {
    const lab = setup();
    const made = await lab.engine.link(
      "app",
      "clustera",
      ["clusterb", "clusterc"],
      { web: "hello-web", plaintext: true },
      context,
    );
    const id = made.link.id;
    lab.c.failOn("remove network", { statusCode: 500, reason: "some daemon error" });
    const first = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(first.status).toBe("partial");
    expect((await labelled(lab.c)).containers).toEqual([]);
    const [view] = await lab.engine.list();
    expect(view?.status).toBe("partial");
    const repair = await rejection(lab.engine.repair(id, context));
    expect((repair as UserError).code).toBe("target-leaving");
    expect((repair as UserError).message).toBe(
      `Target clusterc of link ${id} is only partly removed, and a repair would make it again; run teardown ${id} --target clusterc to finish it, then repair ${id}.`,
    );
    expect((await labelled(lab.c)).containers).toEqual([]);
    const other = await rejection(lab.engine.teardown(id, context, { target: "clusterb" }));
    expect((other as UserError).code).toBe("target-leaving");
    const second = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(second).toMatchObject({ status: "removed", left: [] });
    expect(await labelled(lab.c)).toEqual({ containers: [], networks: [] });
    expect(lab.links.get(id)?.targets.map((t) => t.cluster)).toEqual(["clusterb"]);
    expect(variable(await env(lab.a, "source"), "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
    expect((await lab.engine.repair(id, context)).status).toBe("nothing-to-repair");
  });

  it("refuses the removed target once its source ambassador, which could not be removed at first, is remade", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    lab.a.failOn("remove container");
    const result = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(result).toMatchObject({ status: "removed", left: [] });
    const running = await lab.a.listContainers(["io.ambassador.role=source"]);
    expect(running).toHaveLength(1);
    const source = await env(lab.a, "source");
    expect(variable(source, "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
    expect(variable(source, "AMBASSADOR_TLS_PEER")).toBe(`ambassador-${id}-target-clusterb`);
    expect(lab.links.get(id)?.status).toBe("active");
    expect((await lab.engine.repair(id, context)).status).toBe("nothing-to-repair");
  });

  it("says to run repair when the old source ambassador, still admitting the removed target, stays; repair removes it", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    lab.a.failOn("remove container");
    lab.a.failOn("remove container");
    const result = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(result).toMatchObject({ status: "partial", left: [{ cluster: "clustera", kind: "container" }] });
    expect(renderText({ kind: "teardown", result })).toContain(
      `Removed target clusterc of link ${id}, but its old source ambassador, which still admits clusterc, could not be removed: 1 left. Run \`repair ${id}\` when the host answers; it removes it.`,
    );
    expect(await lab.a.listContainers(["io.ambassador.role=source"])).toHaveLength(2);
    await lab.engine.repair(id, context);
    const running = await lab.a.listContainers(["io.ambassador.role=source"]);
    expect(running).toHaveLength(1);
    expect(variable(await env(lab.a, "source"), "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
  });

  it("removes one target, keeps the source on the same host ports without its name and egress, and the rest works", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    const result = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(result).toMatchObject({ linkId: id, target: "clusterc", status: "removed", left: [] });
    expect(await labelled(lab.c)).toEqual({ containers: [], networks: [] });
    expect((await labelled(lab.b)).containers.length).toBe(2);
    const source = await env(lab.a, "source");
    expect(variable(source, "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
    expect(variable(source, "AMBASSADOR_TLS_PEER")).toBe(`ambassador-${id}-target-clusterb`);
    const link = lab.links.get(id);
    expect(link?.targets).toEqual([{ cluster: "clusterb", certificate: `ambassador-${id}-target-clusterb` }]);
    expect(link?.connections).toEqual(made.connections);
    expect(link?.resources.some((r) => r.cluster === "clusterc")).toBe(false);
    expect((await lab.engine.repair(id, context)).status).toBe("nothing-to-repair");
    const rest = await lab.engine.teardown(id, context);
    expect(rest.status).toBe("removed");
    for (const host of [lab.a, lab.b, lab.c]) {
      expect(await labelled(host)).toEqual({ containers: [], networks: [] });
    }
    expect(lab.links.all()).toEqual([]);
  });

  it("keeps the source ambassador, and the other targets working, while the removed target's host is down", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    const sourceBefore = await env(lab.a, "source");
    lab.c.down();
    const result = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(result).toMatchObject({ linkId: id, target: "clusterc", status: "partial" });
    expect(result.left.map((l) => l.cluster)).toEqual(expect.arrayContaining(["clusterc"]));
    expect(await env(lab.a, "source")).toEqual(sourceBefore);
    expect((await labelled(lab.b)).containers.length).toBe(2);
    expect(lab.links.get(id)?.targets.map((t) => t.cluster)).toEqual(["clusterb", "clusterc"]);

    lab.c.up();
    const finished = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(finished).toMatchObject({ status: "removed", left: [] });
    expect(await labelled(lab.c)).toEqual({ containers: [], networks: [] });
    expect(variable(await env(lab.a, "source"), "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
  });

  it("removes a target whose cluster was unregistered: names its parts there and remakes the source without it", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    lab.clusters.remove("clusterc");
    const result = await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(result.status).toBe("removed");
    expect(result.left.length).toBeGreaterThan(0);
    expect(result.left.every((l) => l.cluster === "clusterc" && /no longer registered/.test(l.error))).toBe(
      true,
    );
    expect(result.removed).toEqual([]);
    expect(variable(await env(lab.a, "source"), "AMBASSADOR_ADMIT")).toBe("10.0.0.13/32");
    expect(lab.links.get(id)?.targets.map((t) => t.cluster)).toEqual(["clusterb"]);
    expect(lab.links.get(id)?.resources.some((r) => r.cluster === "clusterc")).toBe(false);
  });

  it("has saved the link without the target by the time the source ambassador is removed", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const id = made.link.id;
    const sourceId = made.link.resources.find((r) => r.role === "source")?.id;
    const remove = lab.a.removeContainer.bind(lab.a);
    const storedAtRemoval: string[][] = [];
    lab.a.removeContainer = (containerId, name, options) => {
      if (containerId === sourceId)
        storedAtRemoval.push(lab.links.get(id)?.targets.map((t) => t.cluster) ?? []);
      return remove(containerId, name, options);
    };
    await lab.engine.teardown(id, context, { target: "clusterc" });
    expect(storedAtRemoval).toEqual([["clusterb"]]);
  });

  it("refuses a cluster that is not one of the link's targets, and changes nothing", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    const error = await rejection(lab.engine.teardown(made.link.id, context, { target: "clustera" }));
    expect((error as UserError).message).toBe(
      `Link ${made.link.id} has no target clustera; its targets are clusterb, clusterc.`,
    );
    expect(lab.links.get(made.link.id)).toEqual(made.link);
  });

  it("points a broken link's removed target at repair, which mends it for the targets it keeps", async () => {
    const lab = setup();
    const made = await lab.fanOut();
    await lab.links.save({ ...made.link, status: "broken" });
    const error = await rejection(lab.engine.teardown(made.link.id, context, { target: "clustera" }));
    expect((error as UserError).message).toBe(
      `Link ${made.link.id} has no target clustera; its targets are clusterb, clusterc. It is broken: run repair ${made.link.id} to mend it for them.`,
    );
  });
});

describe("fan-out time", () => {
  it("to three targets is at most 1.5× a link to one, every Docker call taking 5 ms (medians of 5 runs)", async () => {
    const hosts = ["clustera", "clusterb", "clusterc", "clusterd"].map(
      (name, i) => new MemoryDockerHost({ latencyMs: 5, name, advertise: `10.0.0.${12 + i}` }),
    );
    hosts[0]?.run({ name: "app", Image: "hello-app" });
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: new MemoryClusterDirectory(hosts),
      links: new MemoryLinks(),
      deadlines: { handshake: 50 },
    });
    const times: Record<"one" | "three", number[]> = { one: [], three: [] };
    for (let run = 0; run < 5; run++) {
      for (const [kind, targets] of [
        ["one", ["clusterb"]],
        ["three", ["clusterb", "clusterc", "clusterd"]],
      ] as const) {
        const started = performance.now();
        const made = await engine.link("app", "clustera", targets, { web: "hello-web" }, context);
        times[kind].push(performance.now() - started);
        await engine.teardown(made.link.id, context);
      }
    }
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[2] as number;
    expect(median(times.three) / median(times.one)).toBeLessThanOrEqual(1.5);
  });
});
