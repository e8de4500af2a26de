import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { type ContainerState, createLinkMonitor, type LinkProbe } from "../../../src/monitor/link-monitor.js";
import { MemoryLinks } from "../../support/memory-links.js";

function link(id: string, source: string, target: string, channel = "C1"): LinkRecord {
  return {
    id,
    container: "app",
    alias: "helloapp",
    sourceCluster: source,
    targetCluster: target,
    targets: [{ cluster: target }],
    ports: [5000],
    wiring: "networks",
    connections: [{ port: 5000, address: `${source}.example:5000` }],
    status: "active",
    resources: [
      { cluster: source, kind: "container", role: "source", id: `${id}-src`, name: "app-ambassador" },
      { cluster: target, kind: "container", role: "target", id: `${id}-tgt`, name: "app-ambassador" },
    ],
    createdAt: "2026-01-01T00:00:00.000Z",
    createdBy: { kind: "local", user: "ops" },
    channel,
  };
}

function memoryLinks(initial: LinkRecord[]): MemoryLinks {
  return new MemoryLinks(undefined, initial);
}

function fakeWorld() {
  const states = new Map<string, ContainerState>();
  const deadClusters = new Set<string>();
  const closed = new Set<string>();
  const probe: LinkProbe = {
    container: (cluster, id, deadlineMs) =>
      deadClusters.has(cluster)
        ? new Promise((_, reject) =>
            setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs),
          )
        : Promise.resolve(states.get(id) ?? "running"),
    path: async (link) => {
      if (link.connections.some((c) => closed.has(c.address))) throw new Error("ECONNREFUSED");
    },
  };
  return { states, deadClusters, closed, probe };
}

const logger = { info() {}, warn() {}, error() {} };

/** Every cluster these links name, registered and bound to no channel: open to every channel. */
const everyClusterOpen = {
  list: () => ["clustera", "clusterb", "clusterc", "x", "y"].map((name) => ({ name, channels: [] })),
};

describe("link monitor", () => {
  it("posts one alert when a link breaks and one when it recovers, naming the link, what and where", async () => {
    const world = fakeWorld();
    const posts: { channel: string; text: string }[] = [];
    const links = memoryLinks([link("lnk1", "clustera", "clusterb")]);
    const monitor = createLinkMonitor({
      links,
      probe: world.probe,
      alerts: { post: async (channel, text) => void posts.push({ channel, text }) },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
    });

    expect(await monitor.checkAll()).toEqual([{ linkId: "lnk1", state: "healthy", problems: [] }]);
    expect(posts).toEqual([]);

    world.states.set("lnk1-tgt", "missing");
    await monitor.checkAll();
    await monitor.checkAll();
    await monitor.checkAll();
    await monitor.alertsSent();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.channel).toBe("C1");
    expect(posts[0]?.text).toContain("Link lnk1");
    expect(posts[0]?.text).toContain("target ambassador app-ambassador on clusterb is missing");
    expect(posts[0]?.text).toMatch(
      /\n`\/ambassador status lnk1` says what to do next; `\/ambassador repair lnk1` makes again what the bot made\.$/,
    );
    expect(monitor.health("lnk1")).toMatchObject({ state: "broken" });
    expect(links.get("lnk1")?.health?.state).toBe("broken");

    world.states.delete("lnk1-tgt");
    await monitor.checkAll();
    await monitor.checkAll();
    await monitor.alertsSent();
    expect(posts).toHaveLength(2);
    expect(posts[1]?.text).toContain("Link lnk1");
    expect(posts[1]?.text).toContain("works again");
  });

  it("names an ambassador that stopped during the path's probe, not the path", async () => {
    const world = fakeWorld();
    // The host stops its containers while the probe runs in one: the probe is killed, and the container is stopped.
    world.probe.path = async () => {
      world.states.set("lnk1-tgt", "stopped");
      throw new Error("target ambassador on clusterb: probe exited 137");
    };
    const monitor = createLinkMonitor({
      links: memoryLinks([link("lnk1", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
    });
    expect(await monitor.checkAll()).toEqual([
      {
        linkId: "lnk1",
        state: "broken",
        problems: ["target ambassador app-ambassador on clusterb is stopped"],
      },
    ]);
  });

  it("keeps the time a state began and moves the time of the last check", async () => {
    const world = fakeWorld();
    let clock = Date.parse("2026-03-01T10:00:00Z");
    const monitor = createLinkMonitor({
      links: memoryLinks([link("lnk1", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
      now: () => new Date(clock),
    });
    world.closed.add("clustera.example:5000");
    await monitor.checkAll();
    clock += 30_000;
    await monitor.checkAll();
    expect(monitor.health("lnk1")).toEqual({
      state: "broken",
      since: "2026-03-01T10:00:00.000Z",
      lastCheck: "2026-03-01T10:00:30.000Z",
      problems: ["the path from clusterb to app on clustera is broken: ECONNREFUSED"],
    });
  });

  it("names an unreachable host once and does not wait for it to check links on other hosts", async () => {
    const world = fakeWorld();
    world.deadClusters.add("clusterc");
    const monitor = createLinkMonitor({
      links: memoryLinks([link("slow", "clustera", "clusterc"), link("fast", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 10_000,
      checkTimeoutMs: 2_000,
      perClusterConcurrency: 1,
    });
    const started = Date.now();
    const fast = await Promise.race([
      monitor.checkAll().then(() => "all"),
      new Promise((resolve) => setTimeout(() => resolve(monitor.health("fast")), 500)),
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fast).toMatchObject({ state: "healthy" });
    const all = await monitor.checkAll();
    expect(all.find((check) => check.linkId === "slow")?.problems).toEqual([
      "clusterc cannot be reached: no answer within 2000 ms",
    ]);
  });

  it("does not alert for a link without a channel, and keeps going when Slack refuses the message", async () => {
    const world = fakeWorld();
    const errors: object[] = [];
    world.states.set("a-tgt", "stopped");
    world.states.set("b-tgt", "stopped");
    const monitor = createLinkMonitor({
      links: memoryLinks([{ ...link("a", "x", "y"), channel: undefined }, link("b", "x", "y")]),
      probe: world.probe,
      alerts: {
        post: async () => {
          throw new Error("channel_not_found");
        },
      },
      clusters: everyClusterOpen,
      logger: { ...logger, error: (object: object) => void errors.push(object) },
      intervalMs: 1000,
    });
    const checks = await monitor.checkAll();
    expect(checks.map((check) => check.state)).toEqual(["broken", "broken"]);
    await monitor.alertsSent();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ linkId: "b", channel: "C1" });
  });

  it("keeps checking a link on time while Slack takes its time with the alert, and posts in order", async () => {
    const world = fakeWorld();
    const posts: string[] = [];
    let release: () => void = () => {};
    const slack = new Promise<void>((resolve) => {
      release = resolve;
    });
    const monitor = createLinkMonitor({
      links: memoryLinks([link("lnk1", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: {
        post: async (_channel, text) => {
          await slack;
          posts.push(text);
        },
      },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
    });
    world.states.set("lnk1-tgt", "missing");
    await monitor.checkAll();
    world.states.delete("lnk1-tgt");
    const started = Date.now();
    expect(await monitor.checkAll()).toEqual([{ linkId: "lnk1", state: "healthy", problems: [] }]);
    expect(Date.now() - started).toBeLessThan(500);
    expect(posts).toEqual([]);
    release();
    await monitor.alertsSent();
    expect(posts.map((text) => text.split(" ")[0])).toEqual([":warning:", ":white_check_mark:"]);
  });

  it("never has more Docker calls in flight on one cluster than allowed", async () => {
    let inFlight = 0;
    let most = 0;
    const probe: LinkProbe = {
      container: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return "running";
      },
      path: async () => {},
    };
    const many = Array.from({ length: 12 }, (_, index) => link(`l${index}`, "clustera", "clustera"));
    const monitor = createLinkMonitor({
      links: memoryLinks(many),
      probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
      perClusterConcurrency: 3,
    });
    await Promise.all([monitor.checkAll(), monitor.checkAll()]);
    expect(most).toBe(3);
  });

  it.each([
    ["partial", { status: "partial" as const }],
    ["with a target partly removed", { targets: [{ cluster: "clusterb", leaving: true as const }] }],
  ])("leaves alone a link a teardown left %s", async (_what, left) => {
    const world = fakeWorld();
    world.states.set("p-tgt", "missing");
    const monitor = createLinkMonitor({
      links: memoryLinks([{ ...link("p", "clustera", "clusterb"), ...left }]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
    });
    expect(await monitor.checkAll()).toEqual([]);
  });

  it("repairs a link once when it breaks, when automatic repair is on, and logs a repair that failed", async () => {
    const world = fakeWorld();
    const repairs: string[] = [];
    const errors: object[] = [];
    const monitor = createLinkMonitor({
      links: memoryLinks([link("lnk1", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger: { ...logger, error: (object: object) => void errors.push(object) },
      intervalMs: 1000,
      repair: async (linkId) => {
        repairs.push(linkId);
        throw new Error("clusterb does not answer");
      },
    });
    world.states.set("lnk1-tgt", "missing");
    await monitor.checkAll();
    await monitor.checkAll();
    expect(repairs).toEqual(["lnk1"]);
    expect(errors).toEqual([expect.objectContaining({ linkId: "lnk1" })]);
  });
});

describe("link monitor, automatic repair of a link that stays broken", () => {
  it("tries again after 30 s, then after twice as long each time, and from 30 s once the link was healthy", async () => {
    const world = fakeWorld();
    let clock = Date.parse("2026-11-28T10:00:00Z");
    const repairs: number[] = [];
    let fails = true;
    const monitor = createLinkMonitor({
      links: memoryLinks([link("lnk1", "clustera", "clusterb")]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
      now: () => new Date(clock),
      repair: async () => {
        repairs.push((clock - Date.parse("2026-11-28T10:00:00Z")) / 1000);
        if (fails) throw new Error("clusterb does not answer");
        world.states.delete("lnk1-tgt");
      },
    });
    world.states.set("lnk1-tgt", "missing");
    for (const second of [0, 10, 29, 30, 60, 89, 90, 150]) {
      clock = Date.parse("2026-11-28T10:00:00Z") + second * 1000;
      await monitor.checkAll();
    }
    expect(repairs).toEqual([0, 30, 90]);
    fails = false;
    clock += 120_000;
    await monitor.checkAll();
    expect(repairs.at(-1)).toBe(270);
    await monitor.checkAll();
    expect(monitor.health("lnk1")?.state).toBe("healthy");
  });

  it("repairs a link the store already holds as broken at the first check", async () => {
    const world = fakeWorld();
    const broken = link("lnk1", "clustera", "clusterb");
    broken.health = {
      state: "broken",
      since: "2026-11-28T09:00:00.000Z",
      lastCheck: "2026-11-28T09:00:00.000Z",
      problems: ["x"],
    };
    const repairs: string[] = [];
    const monitor = createLinkMonitor({
      links: memoryLinks([broken]),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
      repair: async (linkId) => void repairs.push(linkId),
    });
    world.states.set("lnk1-tgt", "missing");
    await monitor.checkAll();
    expect(repairs).toEqual(["lnk1"]);
  });
});

describe("link monitor, a link with --consumer", () => {
  it("checks the consumer on the link's network: off it, or stopped, the link is broken", async () => {
    const world = fakeWorld();
    const networks = new Map<string, string | undefined>();
    const probe: LinkProbe = {
      ...world.probe,
      container: async (cluster, id, deadlineMs, network) => {
        networks.set(id, network);
        return world.probe.container(cluster, id, deadlineMs, network);
      },
    };
    const record = link("lnk1", "clustera", "clusterb");
    record.consumer = { name: "worker" };
    record.resources.push({
      cluster: "clusterb",
      kind: "connection",
      role: "consumer",
      id: "worker-id",
      name: "worker",
      network: "ambassador-lnk1-target",
    });
    const monitor = createLinkMonitor({
      links: memoryLinks([record]),
      probe,
      alerts: { post: async () => undefined },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
    });
    expect((await monitor.checkAll())[0]?.state).toBe("healthy");
    expect(networks.get("worker-id")).toBe("ambassador-lnk1-target");

    world.states.set("worker-id", "disconnected");
    expect((await monitor.checkAll())[0]?.problems).toEqual([
      "consumer worker on clusterb is not on ambassador-lnk1-target",
    ]);
    world.states.set("worker-id", "stopped");
    expect((await monitor.checkAll())[0]?.problems).toEqual(["consumer worker on clusterb is stopped"]);
  });
});

describe("a link's alerts go only to channels that may see every cluster of it", () => {
  /** Clusters whose channel bindings a test changes between checks. */
  function boundClusters(initial: Record<string, string[]>) {
    const channels = new Map(Object.entries(initial));
    return {
      bind: (name: string, to: string[]) => void channels.set(name, to),
      unregister: (name: string) => void channels.delete(name),
      list: () => [...channels].map(([name, bound]) => ({ name, channels: bound })),
    };
  }

  /** A monitor of link lnk1 (clustera -> clusterb, made in C1) whose posts and log lines are kept. */
  function watched(
    clusters: ReturnType<typeof boundClusters>,
    record = link("lnk1", "clustera", "clusterb"),
  ) {
    const world = fakeWorld();
    const posts: { channel: string; text: string }[] = [];
    const logged: string[] = [];
    const monitor = createLinkMonitor({
      links: memoryLinks([record]),
      probe: world.probe,
      alerts: { post: async (channel, text) => void posts.push({ channel, text }) },
      clusters,
      logger: { ...logger, info: (_object: object, message: string) => void logged.push(message) },
      intervalMs: 1000,
    });
    /** Breaks the link, or mends it, and waits for what the monitor posts. */
    const turn = async (state: "broken" | "healthy") => {
      if (state === "broken") world.states.set("lnk1-tgt", "missing");
      else world.states.delete("lnk1-tgt");
      await monitor.checkAll();
      await monitor.alertsSent();
    };
    return { monitor, posts, logged, turn };
  }

  it("tells the channels a cluster of the link was bound to since, never the channel it was made in", async () => {
    const clusters = boundClusters({ clustera: [], clusterb: [] });
    const { posts, turn } = watched(clusters);
    await turn("broken");
    expect(posts.map((post) => post.channel)).toEqual(["C1"]);

    clusters.bind("clusterb", ["C2", "C3"]);
    await turn("healthy");
    expect(posts.slice(1).map((post) => post.channel)).toEqual(["C2", "C3"]);
    expect(posts[1]?.text).toContain("Link lnk1 (app: clustera → clusterb) works again.");
  });

  it("keeps the alert to the log when no channel may see every cluster of the link", async () => {
    const clusters = boundClusters({ clustera: ["C3"], clusterb: ["C2"] });
    const { posts, logged, turn } = watched(clusters);
    await turn("broken");
    expect(posts).toEqual([]);
    expect(logged).toContain("alert not posted: no channel to post it to may see every cluster of the link");

    clusters.bind("clustera", []);
    clusters.unregister("clusterb");
    await turn("healthy");
    expect(posts).toEqual([]);
  });

  it("tells a link made at the terminal to the channels its clusters are bound to", async () => {
    const clusters = boundClusters({ clustera: ["C2", "C3"], clusterb: ["C3"] });
    const { posts, turn } = watched(clusters, {
      ...link("lnk1", "clustera", "clusterb"),
      channel: undefined,
    });
    await turn("broken");
    expect(posts.map((post) => post.channel)).toEqual(["C3"]);
    expect(posts[0]?.text).toContain("Link lnk1 (app: clustera → clusterb) is broken");
  });
});

describe("link monitor, a link whose target ambassador runs in its consumer's network namespace", () => {
  function sharedLink(): LinkRecord {
    const made = link("lnk1", "clustera", "clusterb");
    return {
      ...made,
      wiring: "shared",
      resources: [
        ...made.resources,
        { cluster: "clusterb", kind: "container", role: "web", id: "lnk1-web", name: "web" },
      ],
    };
  }

  /** A monitor over these links, automatic repair off, putting target ambassadors back with `rejoin`. */
  function rejoining(
    world: ReturnType<typeof fakeWorld>,
    links: LinkRecord[],
    rejoin: (linkId: string) => Promise<void>,
    now?: () => Date,
  ) {
    return createLinkMonitor({
      links: memoryLinks(links),
      probe: world.probe,
      alerts: { post: async () => {} },
      clusters: everyClusterOpen,
      logger,
      intervalMs: 1000,
      now,
      rejoin,
    });
  }

  it("puts the ambassador back once the consumer runs again, with automatic repair off", async () => {
    const world = fakeWorld();
    const rejoined: string[] = [];
    const monitor = rejoining(world, [sharedLink()], async (linkId) => void rejoined.push(linkId));
    // The consumer stopped: Docker could not start the ambassador again in its namespace.
    world.states.set("lnk1-web", "stopped");
    world.states.set("lnk1-tgt", "stopped");
    await monitor.checkAll();
    expect(rejoined).toEqual([]);
    // Back: the probe says the ambassador stopped before the consumer started, out of its namespace.
    world.states.set("lnk1-web", "running");
    world.states.set("lnk1-tgt", "disconnected");
    await monitor.checkAll();
    expect(rejoined).toEqual(["lnk1"]);
  });

  it("after a try that failed, waits ten minutes before it tries again", async () => {
    const world = fakeWorld();
    let at = Date.parse("2026-11-27T01:00:00Z");
    const tries: number[] = [];
    const monitor = rejoining(
      world,
      [sharedLink()],
      async () => {
        tries.push(at);
        throw new Error("NET_ADMIN refused");
      },
      () => new Date(at),
    );
    world.states.set("lnk1-tgt", "disconnected");
    await monitor.checkAll();
    at += 9 * 60_000;
    await monitor.checkAll();
    expect(tries).toHaveLength(1);
    at += 60_000;
    await monitor.checkAll();
    expect(tries).toHaveLength(2);
  });

  it("leaves a removed or paused ambassador, and one of a link with networks, to the person", async () => {
    const world = fakeWorld();
    const rejoined: string[] = [];
    const networked = link("lnk2", "clustera", "clusterb");
    const monitor = rejoining(world, [sharedLink(), networked], async (linkId) => void rejoined.push(linkId));
    world.states.set("lnk1-tgt", "missing");
    world.states.set("lnk2-tgt", "stopped");
    await monitor.checkAll();
    world.states.set("lnk1-tgt", "paused");
    await monitor.checkAll();
    // Stopped while its consumer ran (`docker stop`): someone meant it.
    world.states.set("lnk1-tgt", "stopped");
    await monitor.checkAll();
    expect(rejoined).toEqual([]);
  });
});
