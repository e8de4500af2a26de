import { describe, expect, it } from "vitest";
import type { LinkStep } from "../../../src/engine/link-engine.js";
import { createLinkEngine } from "../../../src/engine/link-engine.js";
import { LinkStepError } from "../../../src/engine/step-errors.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { UserError } from "../../../src/errors.js";
import * as format from "../../../src/render/format.js";
import { renderText } from "../../../src/render/text.js";
import { type MemoryDockerHost, memoryLab } from "../../support/memory-docker.js";
import { publishedUrl } from "../../support/memory-engine.js";
import { MemoryLinks, testAuthority } from "../../support/memory-links.js";
import { rejection } from "../../support/rejection.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };
const linkLabel = "io.ambassador.link";

/** The real engine over two in-memory hosts; `callMs` is each host's deadline per Docker call (default 15 s). */
function setup(beforeStep?: (step: LinkStep) => void | Promise<void>, callMs?: number) {
  const lab = memoryLab({ latencyMs: 0, callMs });
  const links = new MemoryLinks();
  const engine = createLinkEngine({
    authority: testAuthority(),
    clusters: lab.clusters,
    links,
    deadlines: { handshake: 50 },
    beforeStep,
  });
  const link = () => engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
  return { ...lab, links, engine, link };
}

async function labelled(host: MemoryDockerHost) {
  const containers = await host.listContainers([linkLabel]);
  const networks = await host.listNetworks([linkLabel]);
  return {
    containers: containers.map((c) => c.Names.join(",")),
    networks: networks.map((n) => n.Name),
  };
}

async function expectNothingLeft(lab: { a: MemoryDockerHost; b: MemoryDockerHost; links: MemoryLinks }) {
  expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
  expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  expect(lab.links.all()).toEqual([]);
}

const steps = await (async () => {
  const { link } = setup();
  const result = await link();
  return [...new Set(result.timings.map((t) => `${t.step}@${t.cluster}`))];
})();

describe("link rolls back when a step fails", () => {
  it("has steps to inject into", () => {
    expect(steps.length).toBeGreaterThan(1);
  });

  it.each(steps)("at %s leaves nothing behind", async (key) => {
    const lab = setup((step) => {
      if (`${step.name}@${step.cluster}` === key) throw new Error("injected");
    });
    const [step, cluster] = key.split("@") as [string, string];
    const error = await rejection(lab.link());
    expect(error).toBeInstanceOf(LinkStepError);
    const message = (error as LinkStepError).message;
    expect(message.startsWith(`Link failed at step "${step}" on ${cluster}:`)).toBe(true);
    expect(message.endsWith("Nothing of this attempt was left behind.")).toBe(true);
    await expectNothingLeft(lab);
  });

  it("rolls back both hosts on a Docker failure mid-link", async () => {
    const lab = setup();
    // The first failed start of an ambassador is retried in relay mode by design; the second failure sticks.
    lab.b.failOn("start container");
    lab.b.failOn("start container");
    const error = await rejection(lab.link());
    expect(error).toBeInstanceOf(LinkStepError);
    const message = (error as LinkStepError).message;
    expect(message).toMatch(/^Link failed at step "[^"]+" on clusterb:/);
    expect(message.endsWith("Nothing of this attempt was left behind.")).toBe(true);
    await expectNothingLeft(lab);
  });
});

describe("link reads the source container once", () => {
  const inspectsOfApp = (lab: ReturnType<typeof setup>) =>
    lab.a.calls.filter((call) => call.action === "inspect container" && call.ref === "app").length;

  it("when nothing else of that container runs, the link starts from the read that found its name", async () => {
    const lab = setup();
    await lab.link();
    expect(inspectsOfApp(lab)).toBe(1);
  });

  it("after waiting for a teardown of the same container, it reads the container again", async () => {
    const lab = setup();
    const first = await lab.link();
    const before = inspectsOfApp(lab);
    const [torn, again] = await Promise.all([lab.engine.teardown(first.link.id, context), lab.link()]);
    expect(torn.status).toBe("removed");
    expect(again.existing).toBe(false);
    expect(inspectsOfApp(lab) - before).toBe(2);
  });
});

describe("link makes both hosts at once", () => {
  it("makes the target for the source's chosen port, and again when a process outside Docker held that port", async () => {
    const lab = setup();
    lab.a.holdPort(5000);
    const result = await lab.link();
    const published = result.mappings.find((m) => m.cluster === "clustera" && m.containerPort === 5000);
    expect(published?.hostPort).not.toBe(5000);
    // Asked for by number, so a restart of the ambassador or of Docker keeps the port the target dials.
    const source = await lab.a.inspectContainer(result.source.id);
    expect(source?.HostConfig.PortBindings?.["5000/tcp"]?.[0]?.HostPort).toBe(String(published?.hostPort));
    expect(result.connections).toEqual([
      { port: 5000, address: `${lab.a.advertise}:${published?.hostPort}` },
    ]);
    const targets = (await lab.b.listContainers([linkLabel])).filter((c) =>
      c.Names[0]?.includes("ambassador"),
    );
    expect(targets).toHaveLength(1);
    const env = (await lab.b.inspectContainer(targets[0]?.Id ?? ""))?.Config.Env ?? [];
    expect(env).toContainEqual(
      expect.stringMatching(new RegExp(`_PORT_5000_TCP=tcp://${lab.a.advertise}:${published?.hostPort}$`)),
    );
    expect(result.link.resources.filter((r) => r.role === "target")).toHaveLength(1);
    expect(result.timings.map((t) => t.step)).toContain("remove stale target ambassador");
    // The new ambassador joined the consumer's network namespace, which kept its address.
    const webs = await lab.b.listContainers(["io.ambassador.role=web"]);
    expect(webs).toHaveLength(1);
    expect(targets[0]?.HostConfig.NetworkMode).toBe(`container:${webs[0]?.Id}`);
    expect(result.targets[0]?.webUrls).toEqual([await publishedUrl(lab.b, "web")]);
  });

  it("starts a plaintext link's target ambassador only once Docker says where the source listens", async () => {
    const order: string[] = [];
    const lab = setup(({ name }) => {
      order.push(name);
    });
    await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web", plaintext: true }, context);
    expect(order.indexOf("read connection information")).toBeLessThan(
      order.indexOf("start target ambassador"),
    );
  });

  it("makes the target ambassador before the source ambassador is ready", async () => {
    const order: string[] = [];
    const lab = setup(({ name }) => {
      order.push(name);
    });
    await lab.link();
    expect(order.indexOf("start target ambassador")).toBeLessThan(
      order.indexOf("read connection information"),
    );
  });

  it("says how long the link took by the clock, not the sum of steps that ran side by side", async () => {
    const lab = memoryLab({ latencyMs: 20 });
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: lab.clusters,
      links: new MemoryLinks(),
      deadlines: { handshake: 50 },
    });
    const started = performance.now();
    const result = await engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const wall = performance.now() - started;
    const stepsSum = result.timings.reduce((sum, t) => sum + t.ms, 0);
    expect(stepsSum).toBeGreaterThan(wall);
    expect(result.tookMs).toBeGreaterThan(0);
    expect(result.tookMs).toBeLessThanOrEqual(Math.ceil(wall));
    const took = renderText({ kind: "link", result }).match(/^Took (\d+) ms\.$/m);
    expect(Number(took?.[1])).toBe(result.tookMs);
    const again = await engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    expect(renderText({ kind: "link", result: again })).not.toMatch(/^Took /m);
  });
});

describe("a host that stops answering", () => {
  const deadline = 300;
  const hung = () => {
    const lab = memoryLab({ latencyMs: 0, callMs: deadline });
    const links = new MemoryLinks();
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: lab.clusters,
      links,
      deadlines: { handshake: 50, check: 50 },
    });
    return { ...lab, links, engine };
  };
  const took = async (work: Promise<unknown>) => {
    const started = performance.now();
    await work.catch(() => undefined);
    return performance.now() - started;
  };

  it("holds a teardown for one call's deadline, not one per kind of object there", async () => {
    const lab = hung();
    const made = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { web: "hello-web", plaintext: true },
      context,
    );
    expect(made.link.resources.some((r) => r.kind === "network" && r.cluster === "clusterb")).toBe(true);
    lab.b.hang();
    let result: Awaited<ReturnType<typeof lab.engine.teardown>> | undefined;
    const ms = await took(
      lab.engine.teardown(made.link.id, context).then((r) => {
        result = r;
      }),
    );
    expect(result?.status).toBe("partial");
    expect(result?.left.map((l) => l.cluster)).toEqual(["clusterb", "clusterb", "clusterb"]);
    // Once it did not answer as its containers left their network, nothing more was asked of it.
    const removals = lab.b.calls.filter((call) => call.action.startsWith("remove "));
    expect(removals).toEqual([]);
    expect(ms).toBeLessThan(deadline * 1.8);
  });

  it("fails a link to it after one call's deadline, and, having only read there, sends no one to look for leftovers", async () => {
    const lab = hung();
    lab.b.hang();
    const error = await rejection(
      lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context),
    );
    expect((error as Error).message).toMatch(/^Link failed at step "[^"]+" on clusterb: .*no answer within/);
    expect((error as Error).message).toMatch(/Nothing of this attempt was left behind\.$/);
    expect((error as Error).message).not.toContain("reconcile");
    expect(lab.b.calls.filter((call) => /^(create|start|connect)/.test(call.action))).toEqual([]);
    const ms = await took(lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context));
    expect(ms).toBeLessThan(deadline * 1.8);
  });
});

describe("teardown cut short or refused by the store", () => {
  it("marks the link partial before anything goes, so a teardown cut short says so and the next one finishes", async () => {
    const lab = setup(undefined, 300);
    const result = await lab.link();
    lab.b.hang();
    // Cut short here, as a process killed while clusterb has not answered would be.
    const cut = lab.engine.teardown(result.link.id, context);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(lab.links.get(result.link.id)?.status).toBe("partial");
    const stopped = await cut;
    expect(stopped.status).toBe("partial");
    lab.b.up();
    expect((await lab.engine.teardown(result.link.id, context)).status).toBe("removed");
    await expectNothingLeft(lab);
  });

  it("refuses a new link of the same container until a teardown cut short is finished, saying how", async () => {
    const lab = setup(undefined, 300);
    const result = await lab.link();
    lab.b.hang();
    expect((await lab.engine.teardown(result.link.id, context)).status).toBe("partial");
    lab.b.up();
    const error = await rejection(lab.link());
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `Link ${result.link.id} of "app" on clustera is only parts left (of a teardown or a link cut short); run teardown ${result.link.id} to finish removing them, then link again.`,
    );
    expect(lab.links.all().map((link) => link.id)).toEqual([result.link.id]);
    expect((await lab.engine.teardown(result.link.id, context)).status).toBe("removed");
    const again = await lab.link();
    expect(again.source.name).toBe("app-ambassador");
    expect(await lab.engine.teardown(again.link.id, context)).toMatchObject({ status: "removed" });
    await expectNothingLeft(lab);
  });

  it("removes the recorded parts when a host refuses the listing, and keeps the link partial for the next teardown", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.failOn("list containers", { statusCode: 500, reason: "server error" });
    const error = await rejection(lab.engine.teardown(result.link.id, context));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      `Removed what link ${result.link.id} records, but could not list what else carries its label (clusterb: list containers: server error); run teardown ${result.link.id} again.`,
    );
    expect(lab.links.get(result.link.id)).toMatchObject({ status: "partial", resources: [] });
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect((await lab.engine.teardown(result.link.id, context)).status).toBe("removed");
    expect(lab.links.get(result.link.id)).toBeUndefined();
    await expectNothingLeft(lab);
  });

  it("names the parts it could not remove when a host also refused the listing, rather than say all went", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.failOn("list containers", { statusCode: 500, reason: "server error" });
    lab.a.failOn("remove container", { statusCode: 409, reason: "removal already in progress" });
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("partial");
    expect(done.left).toEqual([
      expect.objectContaining({
        cluster: "clustera",
        kind: "container",
        error: expect.stringContaining("removal already in progress"),
      }),
    ]);
    expect(lab.links.get(result.link.id)?.status).toBe("partial");
    expect((await lab.engine.teardown(result.link.id, context)).status).toBe("removed");
    await expectNothingLeft(lab);
  });

  it("removes nothing when the store cannot be written, and says so in one line", async () => {
    const lab = setup();
    const result = await lab.link();
    const before = { a: await labelled(lab.a), b: await labelled(lab.b) };
    const full = new UserError(
      "store-write-failed",
      "could not write the store /s: ENOSPC: no space left on device",
    );
    lab.links.save = () => Promise.reject(full);
    expect(await rejection(lab.engine.teardown(result.link.id, context))).toBe(full);
    expect({ a: await labelled(lab.a), b: await labelled(lab.b) }).toEqual(before);
    expect(lab.links.get(result.link.id)?.status).toBe("active");
  });
});

describe("teardown of parts removed behind its back", () => {
  it("says which were already gone rather than counting them as removed", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.removeExternally("web");
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("removed");
    expect(done.gone).toEqual([{ cluster: "clusterb", kind: "container", name: "web" }]);
    const text = renderText({ kind: "teardown", result: done });
    expect(text).toMatch(/^Tore down link \w+: removed \d+ objects; 1 was already gone\.$/m);
    expect(text).toContain("  already gone: container web on clusterb");
    expect(text).not.toContain("removed container web");
    await expectNothingLeft(lab);
  });
});

describe("teardown of a part that was replaced under its name", () => {
  it("tells the one it removed from the one already gone by the link's record", async () => {
    const lab = setup();
    const result = await lab.link();
    const old = await lab.b.inspectContainer("web");
    lab.b.removeExternally("web");
    // Made as a repair makes it, with the link's labels, but never recorded (the repair was cut short).
    lab.b.run({ name: "web", Image: "hello-web", Labels: old?.Config.Labels });
    const done = await lab.engine.teardown(result.link.id, context);
    const text = renderText({ kind: "teardown", result: done });
    expect(text).toContain("  removed container web on clusterb\n");
    expect(text).toContain("  already gone: container web on clusterb (the one the link recorded)");
    await expectNothingLeft(lab);
  });
});

describe("repair", () => {
  it("recreates a target ambassador removed behind its back", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.removeExternally(result.target.name);
    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.status).toBe("repaired");
    expect(repair.recreated).toContainEqual(
      expect.objectContaining({ role: "target", reason: "missing", cluster: "clusterb" }),
    );
  });

  it("remakes the target ambassador when the source one comes back on another port", async () => {
    const lab = setup();
    const result = await lab.link();
    const source = result.mappings.find((m) => m.cluster === "clustera");
    lab.a.removeExternally(result.source.name);
    lab.a.holdPort(source?.hostPort ?? 0);
    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.status).toBe("repaired");
    expect(repair.recreated).toContainEqual(
      expect.objectContaining({ role: "target", reason: "stale connection information" }),
    );
    const target = await lab.b.inspectContainer(
      repair.recreated.find((p) => p.role === "target")?.name ?? "",
    );
    const now = await lab.a.inspectContainer(repair.recreated.find((p) => p.role === "source")?.name ?? "");
    const port = now?.NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort;
    expect(port).not.toBe(String(source?.hostPort));
    expect(target?.Config.Env).toContainEqual(expect.stringMatching(new RegExp(`:${port}$`)));
  });

  it("names why the path failed without the Docker API's address, as the link's health does", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.failOn("exec in container", {
      statusCode: undefined,
      reason: "connect ECONNREFUSED 10.0.0.13:2376",
      withoutAddress: "nothing listens at the Docker API of clusterb (connection refused)",
    });
    const repaired = await lab.engine.repair(result.link.id, context);
    const reasons = repaired.recreated.map((part) => part.reason).join("\n");
    expect(reasons).toContain("nothing listens at the Docker API of clusterb (connection refused)");
    expect(reasons).not.toContain("10.0.0.13:2376");
  });

  it("does nothing when every part is there", async () => {
    const lab = setup();
    const result = await lab.link();
    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.status).toBe("nothing-to-repair");
    expect(repair.recreated).toEqual([]);
  });

  it("replaces a stopped web container", async () => {
    const lab = setup();
    const result = await lab.link();
    const webName = result.link.web?.name;
    expect(webName).toBeDefined();
    lab.b.stop(webName as string);
    const oldIds = (await lab.b.listContainers([linkLabel])).map((c) => c.Id);
    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.status).toBe("repaired");
    expect(repair.recreated).toContainEqual(expect.objectContaining({ role: "web", reason: "stopped" }));
    expect(repair.replaced.map((r) => r.cluster)).toContain("clusterb");
    expect(repair.replaced.some((r) => r.name.includes(webName as string) || r.name === webName)).toBe(true);
    const after = await lab.b.listContainers([linkLabel]);
    const web = after.filter((c) => c.Labels[`${linkLabel}`] !== undefined && c.State !== "running");
    expect(web).toEqual([]);
    // The consumer and the target ambassador in its namespace were both made anew; the new ones may take the old
    // names, never the old containers' places.
    expect(repair.replaced.map((r) => `${r.cluster} ${r.name}`).sort()).toEqual([
      "clusterb app-ambassador",
      `clusterb ${webName}`,
    ]);
    expect(after.filter((c) => oldIds.includes(c.Id))).toEqual([]);
    expect(oldIds.length).toBeGreaterThan(0);
  });

  it("leaves the link as it was when the repair fails", async () => {
    let failRepair = false;
    const lab = setup((step) => {
      if (failRepair && step.name === "start web") throw new Error("injected");
    });
    const result = await lab.link();
    const webName = result.link.web?.name as string;
    lab.b.stop(webName);
    const before = lab.links.get(result.link.id);
    const containersBefore = (await lab.b.listContainers([linkLabel])).map((c) => c.Id).sort();
    failRepair = true;
    const error = await rejection(lab.engine.repair(result.link.id, context));
    expect(error).toBeInstanceOf(LinkStepError);
    expect((error as LinkStepError).message).toContain(`link ${result.link.id} is as it was.`);
    expect(lab.links.get(result.link.id)).toEqual(before);
    const containersAfter = (await lab.b.listContainers([linkLabel])).map((c) => c.Id).sort();
    expect(containersAfter).toEqual(containersBefore);
    expect((await lab.a.listContainers([linkLabel])).length).toBe(
      result.link.resources.filter((r) => r.cluster === "clustera" && r.kind === "container").length,
    );
  });
});

describe("teardown", () => {
  it("leaves alone what the record names without the link's label, and says so: the labels decide", async () => {
    const lab = setup();
    const result = await lab.link();
    // A record edited by hand names a container of the user's, and the app's place on a network of theirs.
    const mine = lab.b.run({ name: "mine", Image: "hello-web" });
    const theirs = await lab.a.createNetwork("theirs", {});
    const app = (await lab.a.inspectContainer("app"))?.Id as string;
    await lab.a.connectNetwork(theirs, app);
    const edited: typeof result.link = {
      ...result.link,
      resources: [
        {
          cluster: "clustera",
          kind: "connection",
          role: "connection",
          id: app,
          name: "app",
          network: theirs,
        },
        ...result.link.resources.map((r) => (r.role === "web" ? { ...r, id: mine } : r)),
      ],
    };
    await lab.links.save(edited);
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("removed");
    const web = result.link.resources.find((r) => r.role === "web");
    expect(done.left).toContainEqual(
      expect.objectContaining({
        cluster: "clusterb",
        kind: "container",
        name: "mine",
        error: `the link's record calls it ${web?.name}, but it does not carry link ${result.link.id}'s label, so the link did not make it; left alone`,
        forGood: true,
      }),
    );
    expect(done.left.map((r) => r.error)).toContainEqual(
      `its network ${theirs} does not carry link ${result.link.id}'s label, so the link did not make it; left alone`,
    );
    expect((await lab.b.inspectContainer(mine))?.State.Running).toBe(true);
    expect(Object.keys((await lab.a.inspectContainer(app))?.NetworkSettings.Networks ?? {})).toContain(
      "theirs",
    );
    expect(lab.links.get(result.link.id)).toBeUndefined();
  });

  it("removes the recorded parts the labels show without inspecting one, a connection known by its network's name", async () => {
    const lab = setup();
    const made = await lab.engine.link("app", "clustera", "clusterb", { alias: "netl" }, context);
    expect(made.link.resources.some((r) => r.kind === "connection")).toBe(true);
    const before = [lab.a.calls.length, lab.b.calls.length] as const;
    const done = await lab.engine.teardown(made.link.id, context);
    expect(done.status).toBe("removed");
    const asked = [...lab.a.calls.slice(before[0]), ...lab.b.calls.slice(before[1])].map(
      (call) => call.action,
    );
    expect(asked.filter((action) => action.startsWith("inspect"))).toEqual([]);
    await expectNothingLeft(lab);
  });

  it("disconnects a container of the user's that joined the link's network, leaves it running, and says so", async () => {
    const lab = setup();
    const made = await lab.engine.link("app", "clustera", "clusterb", { alias: "netl" }, context);
    const network = made.link.resources.find((r) => r.kind === "network" && r.cluster === "clusterb");
    if (!network) throw new Error("a link without --web has a network of its own on the target");
    const mine = lab.b.run({ name: "mine", Image: "hello-web" });
    await lab.b.connectNetwork(network.id, mine);
    // And one of the link's own that its record lost (a repair killed midway): removed, not called the user's.
    const lost = lab.b.run({
      name: "app-ambassador-2",
      Image: "hello-app",
      Labels: { [linkLabel]: made.link.id, "io.ambassador.role": "target" },
    });
    await lab.b.connectNetwork(network.id, lost);
    const done = await lab.engine.teardown(made.link.id, context);
    expect(done.status).toBe("removed");
    expect(done.removed).toContainEqual({ cluster: "clusterb", kind: "container", name: "app-ambassador-2" });
    expect(done.disconnected).toEqual([{ cluster: "clusterb", container: "mine", network: network.name }]);
    expect(format.teardownObjectLines(done)).toContain(
      `disconnected container mine on clusterb from network ${network.name}: it had joined the link's network, and was left running`,
    );
    expect((await lab.b.inspectContainer(mine))?.State.Running).toBe(true);
    expect(await lab.b.inspectNetwork(network.id)).toBeUndefined();
  });

  it("still finds and removes a part only the labels name", async () => {
    const lab = setup();
    const result = await lab.link();
    const web = result.link.resources.find((r) => r.role === "web");
    await lab.links.save({ ...result.link, resources: result.link.resources.filter((r) => r !== web) });
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("removed");
    expect(done.removed).toContainEqual({ cluster: "clusterb", kind: "container", name: web?.name });
    await expectNothingLeft(lab);
  });

  it("removes what the label listing found without inspecting each object again, and leaves nothing", async () => {
    const lab = setup();
    const result = await lab.link();
    const before = { a: lab.a.calls.length, b: lab.b.calls.length };
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("removed");
    const during = [...lab.a.calls.slice(before.a), ...lab.b.calls.slice(before.b)].map((c) => c.action);
    expect(during.filter((action) => action.startsWith("inspect"))).toEqual([]);
    const named = (r: { cluster: string; kind: string; name: string }) => `${r.cluster} ${r.kind} ${r.name}`;
    expect(done.removed.map(named).sort()).toEqual(result.link.resources.map(named).sort());
    await expectNothingLeft(lab);
  });

  it("of a link whose target cluster was unregistered, removes the source side, names what stays there, and forgets the link", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.clusters.remove("clusterb");
    const listed = await lab.engine.stagedList();
    expect(listed.now.silent).toEqual([expect.objectContaining({ cluster: "clusterb", unregistered: true })]);
    expect(format.silentLines(listed.now.silent)).toEqual(["clusterb: no longer registered"]);
    const repair = await rejection(lab.engine.repair(result.link.id, context));
    expect(repair).toBeInstanceOf(UserError);
    expect((repair as UserError).message).toBe(
      `Cannot repair link ${result.link.id}: clusterb is no longer registered; register it again with clusters add, or tear the link down with teardown ${result.link.id}.`,
    );
    const done = await lab.engine.teardown(result.link.id, context);
    expect(done.status).toBe("removed");
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect(lab.links.all()).toEqual([]);
    const onB = result.link.resources.filter((r) => r.cluster === "clusterb").map((r) => r.name);
    expect(done.left.map((l) => l.name).sort()).toEqual([...new Set(onB)].sort());
    expect(
      done.left.every((l) =>
        /^clusterb is no longer registered; once it is registered again, reconcile --fix removes it$/.test(
          l.error,
        ),
      ),
    ).toBe(true);
    expect(renderText({ kind: "teardown", result: done })).toMatch(
      /^Tore down link \w+: removed \d+ objects?\.$/m,
    );
    // Its parts there carry the link's label: registered again, reconcile finds them and --fix removes them.
    lab.clusters.add(lab.b);
    expect((await labelled(lab.b)).containers.length).toBeGreaterThan(0);
    await lab.engine.reconcile({ fix: true });
    expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  });

  it("is partial while host B is down, and finishes once it is back", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.down();
    const first = await lab.engine.teardown(result.link.id, context);
    expect(first.status).toBe("partial");
    expect(first.left.length).toBeGreaterThan(0);
    expect(first.left.every((l) => l.cluster === "clusterb")).toBe(true);
    const onB = result.link.resources.filter((r) => r.cluster === "clusterb").map((r) => r.name);
    expect(first.left.map((l) => l.name).sort()).toEqual([...new Set(onB)].sort());
    lab.b.up();
    const second = await lab.engine.teardown(result.link.id, context);
    expect(second.status).toBe("removed");
    await expectNothingLeft(lab);
  });
});

describe("find", () => {
  it("finds a link by its ID, container, web name and source ambassador", async () => {
    const lab = setup();
    const result = await lab.link();
    const id = result.link.id;
    for (const ref of [id, "app", result.link.web?.name as string, "app-ambassador"]) {
      expect(lab.engine.find(ref).id).toBe(id);
    }
  });

  it("says when no link matches", async () => {
    const lab = setup();
    await lab.link();
    const error = await rejection(Promise.resolve().then(() => lab.engine.find("nope")));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("link-not-found");
  });

  it("says when a container has two links", async () => {
    const lab = setup();
    const first = await lab.link();
    const second = await lab.engine.link("app", "clustera", "clusterb", { alias: "other" }, context);
    const error = await rejection(Promise.resolve().then(() => lab.engine.find("app")));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("ambiguous-link");
    // Each choice tells the links apart: alias and consumer.
    expect((error as UserError).message).toBe(
      `"app" is part of 2 links (${first.link.id}: app clustera -> clusterb as ${first.link.alias}, web ${first.link.web?.name}; ${second.link.id}: app clustera -> clusterb as other); name one by its link ID.`,
    );
  });
});

describe("a rollback that cannot search a host", () => {
  it("does not say nothing was left behind: it names the host and reconcile", async () => {
    // clusterb stops answering as its first container is asked for, and stays so while the attempt rolls back.
    const lab = setup((step) => {
      if (step.name === "start web") lab.b.hang();
    }, 200);
    const failed = await rejection(lab.link());
    expect(failed).toBeInstanceOf(LinkStepError);
    const message = (failed as Error).message;
    expect(message).toMatch(/^Link failed at step "start web" on clusterb: /);
    expect(message).not.toContain("Nothing of this attempt was left behind");
    expect(message).toContain(
      "What it may have made on clusterb could not be looked for; once that host answers, `reconcile` names it and `reconcile --fix` removes it.",
    );
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
  });
});

describe("a port nothing in the container answers on", () => {
  it("is linked all the same, and the answer says which port answered nothing and what to check", async () => {
    const lab = setup();
    const result = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { web: "hello-web", ports: [5000, 5001] },
      context,
    );
    expect(result.link.status).toBe("active");
    expect(result.silentPorts).toEqual([5001]);
    expect(renderText({ kind: "link", result })).toContain(
      "Note: nothing in app on clustera answered on port 5001 as the link was made; the link carries connections once it listens there on all its addresses (0.0.0.0), not only 127.0.0.1.",
    );
  });

  it("says nothing of the ports that answer, nor again of a link that exists", async () => {
    const lab = setup();
    const result = await lab.link();
    expect(result.silentPorts).toBeUndefined();
    expect(renderText({ kind: "link", result })).not.toContain("Note:");
  });
});
