import { describe, expect, it } from "vitest";
import { createLinkEngine } from "../../../src/engine/link-engine.js";
import type { LinkView, RequestContext } from "../../../src/engine/types.js";
import { UserError } from "../../../src/errors.js";
import { createDockerLinkProbe } from "../../../src/monitor/docker-link-probe.js";
import { describeContainers } from "../../../src/render/format.js";
import { type MemoryDockerHost, memoryLab } from "../../support/memory-docker.js";
import { MemoryLinks, testAuthority } from "../../support/memory-links.js";
import { rejection } from "../../support/rejection.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };
const linkLabel = "io.ambassador.link";

function setup() {
  const lab = memoryLab({ latencyMs: 0 });
  lab.b.run({ name: "worker", Image: "hello-web" });
  const links = new MemoryLinks();
  const engine = createLinkEngine({
    authority: testAuthority(),
    clusters: lab.clusters,
    links,
    deadlines: { handshake: 50 },
  });
  const link = (consumer = "worker") =>
    engine.link("app", "clustera", "clusterb", { alias: "helloapp", consumer }, context);
  return { ...lab, links, engine, link };
}

async function networksOf(host: MemoryDockerHost, ref: string): Promise<string[]> {
  return Object.keys((await host.inspectContainer(ref))?.NetworkSettings.Networks ?? {}).sort();
}

async function nothingMade(lab: { a: MemoryDockerHost; b: MemoryDockerHost; links: MemoryLinks }) {
  for (const host of [lab.a, lab.b]) {
    expect(await host.listContainers([linkLabel])).toEqual([]);
    expect(await host.listNetworks([linkLabel])).toEqual([]);
  }
  expect(lab.links.all()).toEqual([]);
}

describe("link --consumer", () => {
  it("connects the running container to the target network, where the alias names the target ambassador", async () => {
    const lab = setup();
    const result = await lab.link();
    const network = `ambassador-${result.link.id}-target`;
    expect(await networksOf(lab.b, "worker")).toEqual(["bridge", network].sort());
    const target = await lab.b.inspectContainer(result.target.id);
    expect(target?.NetworkSettings.Networks[network]?.Aliases).toContain("helloapp");
    expect(result.link.consumer).toEqual({ name: "worker" });
    expect(result.link.resources).toContainEqual(
      expect.objectContaining({ kind: "connection", role: "consumer", name: "worker", network }),
    );
    expect(lab.engine.find("worker").id).toBe(result.link.id);
  });

  it("shows the source container off the link's network once it left it, and repair reconnects it alone", async () => {
    const lab = setup();
    const result = await lab.link();
    const network = `ambassador-${result.link.id}-source`;
    await lab.a.disconnectNetwork(network, "app");
    // Nothing reaches app through the link now.
    lab.b.brokenPaths.add(result.target.id);

    const [view] = await lab.engine.list();
    expect(view?.status).toBe("broken");
    expect(describeContainers(view as LinkView)).toContain("clustera app off the link's network");

    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.recreated.map((r) => `${r.role} ${r.name}`)).toEqual(["connection app"]);
    expect(await networksOf(lab.a, "app")).toContain(network);
    expect(repair.connections).toEqual(result.connections);
    expect((await lab.engine.list())[0]?.status).toBe("active");
  });

  it("teardown disconnects the consumer and leaves it running as it was", async () => {
    const lab = setup();
    const before = await lab.b.inspectContainer("worker");
    const result = await lab.link();
    const teardown = await lab.engine.teardown(result.link.id, context);
    expect(teardown.status).toBe("removed");
    const after = await lab.b.inspectContainer("worker");
    expect(after?.Id).toBe(before?.Id);
    expect(after?.State.Running).toBe(true);
    expect(after?.State.StartedAt).toBe(before?.State.StartedAt);
    expect(await networksOf(lab.b, "worker")).toEqual(["bridge"]);
    await nothingMade(lab);
  });

  it("refuses a consumer that does not exist, before anything is made", async () => {
    const lab = setup();
    const error = await rejection(lab.link("wroker"));
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      'No container "wroker" on clusterb to use as the consumer. Did you mean "worker"?',
    );
    await nothingMade(lab);
  });

  it("refuses a stopped consumer, before anything is made", async () => {
    const lab = setup();
    lab.b.stop("worker");
    const error = await rejection(lab.link());
    expect((error as Error).message).toMatch(
      /^Consumer "worker" on clusterb is exited, not running; start it first \(docker start worker\)\.$/,
    );
    await nothingMade(lab);
  });

  it("refuses a consumer Docker cannot connect to a network (host, none, another's namespace), before anything is made", async () => {
    const lab = setup();
    lab.b.run({ name: "hostnet", Image: "hello-web", HostConfig: { NetworkMode: "host" } });
    lab.b.run({ name: "nonet", Image: "hello-web", HostConfig: { NetworkMode: "none" } });
    lab.b.run({ name: "sidecar", Image: "hello-web", HostConfig: { NetworkMode: "container:worker" } });
    const refusals = {
      hostnet: "runs in the host's network (--network host)",
      nonet: "has no network (--network none)",
      sidecar: "runs in the network namespace of container worker",
    };
    for (const [name, why] of Object.entries(refusals)) {
      const error = await rejection(lab.link(name));
      expect((error as Error).message).toBe(
        `Consumer "${name}" on clusterb ${why}, so it cannot join the link's network; run it on a bridge or a network of your own (docker run --network bridge …).`,
      );
      await nothingMade(lab);
    }
  });

  it("refuses one of the bot's own containers as the consumer", async () => {
    const lab = setup();
    const first = await lab.link();
    const error = await rejection(
      lab.engine.link("app", "clustera", "clusterb", { consumer: first.target.name }, context),
    );
    expect((error as Error).message).toBe(
      `Container "${first.target.name}" on clusterb is part of a link the bot made; pass a container of your own to --consumer.`,
    );
  });

  it("refuses one of the bot's own containers as the container to link, and makes nothing", async () => {
    const lab = setup();
    const first = await lab.link();
    const before = await lab.a.listContainers([]);
    const error = await rejection(lab.engine.link(first.source.name, "clustera", "clusterb", {}, context));
    expect((error as Error).message).toBe(
      `Container "${first.source.name}" on clustera is part of a link the bot made; link the container it serves instead.`,
    );
    expect((await lab.a.listContainers([])).map((c) => c.Id)).toEqual(before.map((c) => c.Id));
  });

  it("refuses --consumer with --legacy-links or --web in the engine too", async () => {
    const lab = setup();
    const legacy = await rejection(
      lab.engine.link("app", "clustera", "clusterb", { consumer: "worker", legacyLinks: true }, context),
    );
    expect((legacy as Error).message).toMatch(/--consumer cannot be used with --legacy-links: a Docker link/);
    const web = await rejection(
      lab.engine.link("app", "clustera", "clusterb", { consumer: "worker", web: "hello-web" }, context),
    );
    expect((web as Error).message).toMatch(/--consumer and --web are mutually exclusive/);
    await nothingMade(lab);
  });

  it("a failure after the consumer was connected disconnects it again", async () => {
    const lab = setup();
    // The first failed start is retried in relay mode by design; the second sticks.
    lab.b.failOn("start container");
    lab.b.failOn("start container");
    await rejection(lab.link());
    expect(await networksOf(lab.b, "worker")).toEqual(["bridge"]);
    expect((await lab.b.inspectContainer("worker"))?.State.Running).toBe(true);
    await nothingMade(lab);
  });

  it("status, health and repair see a consumer taken off the network, and repair reconnects it", async () => {
    const lab = setup();
    const result = await lab.link();
    const network = `ambassador-${result.link.id}-target`;
    const consumerState = async () =>
      (await lab.engine.list()).flatMap((v) => v.containers).find((c) => c.role === "consumer");
    expect(await consumerState()).toMatchObject({ name: "worker", cluster: "clusterb", state: "running" });
    const probe = createDockerLinkProbe(lab.clusters);
    const worker = result.link.resources.find((r) => r.role === "consumer");
    expect(await probe.container("clusterb", worker?.id ?? "", 1_000, network)).toBe("running");

    await lab.b.disconnectNetwork(network, "worker");
    expect(await consumerState()).toMatchObject({ state: "disconnected" });
    expect((await lab.engine.list())[0]?.status).toBe("broken");
    expect(await probe.container("clusterb", worker?.id ?? "", 1_000, network)).toBe("disconnected");

    const repair = await lab.engine.repair(result.link.id, context);
    expect(repair.recreated).toEqual([
      {
        cluster: "clusterb",
        kind: "connection",
        role: "consumer",
        name: "worker",
        reason: `not on ${network}`,
      },
    ]);
    expect(await networksOf(lab.b, "worker")).toEqual(["bridge", network].sort());
    expect(await consumerState()).toMatchObject({ state: "running" });
    expect((await lab.engine.repair(result.link.id, context)).status).toBe("nothing-to-repair");
  });

  it("repair refuses while the consumer is stopped, saying to start it", async () => {
    const lab = setup();
    const result = await lab.link();
    lab.b.stop("worker");
    expect(
      (await lab.engine.list()).flatMap((v) => v.containers).find((c) => c.role === "consumer"),
    ).toMatchObject({ state: "stopped" });
    const error = await rejection(lab.engine.repair(result.link.id, context));
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Consumer "worker" on clusterb is exited; start it \\(docker start worker\\), then repair link ${result.link.id}\\.$`,
      ),
    );
  });

  it("asking again returns the same link", async () => {
    const lab = setup();
    const first = await lab.link();
    const again = await lab.link();
    expect(again.existing).toBe(true);
    expect(again.link.id).toBe(first.link.id);
  });
});
