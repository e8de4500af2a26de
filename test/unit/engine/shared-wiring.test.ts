import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import { createLogger, readableLog } from "../../../src/logger.js";
import { createDockerLinkProbe } from "../../../src/monitor/docker-link-probe.js";
import { memoryEngine, publishedUrl } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };
const linkLabel = "io.ambassador.link";

async function labelled(host: ReturnType<typeof memoryEngine>["a"]) {
  const containers = await host.listContainers([linkLabel]);
  const networks = await host.listNetworks([linkLabel]);
  return { containers: containers.map((c) => c.Names.join(",")), networks: networks.map((n) => n.Name) };
}

async function part(host: ReturnType<typeof memoryEngine>["a"], role: string) {
  const [found] = await host.listContainers([`io.ambassador.role=${role}`]);
  if (!found) throw new Error(`no ${role} on ${host.name}`);
  const info = await host.inspectContainer(found.Id);
  if (!info) throw new Error(`${role} on ${host.name} is gone`);
  return info;
}

/** A tick, so a container started now starts later than one started before (Docker's times are finer). */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("an encrypted link that starts its consumer, from a container on the default bridge", () => {
  it("makes no network: the target ambassador runs in its consumer's network namespace, which it alone reaches", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { web: "hello-web", alias: "helloapp" },
      context,
    );
    expect(made.link.wiring).toBe("shared");
    expect((await labelled(lab.a)).networks).toEqual([]);
    expect((await labelled(lab.b)).networks).toEqual([]);
    const target = await part(lab.b, "target");
    const web = await part(lab.b, "web");
    expect(target.HostConfig.NetworkMode).toBe(`container:${web.Id}`);
    expect(web.HostConfig.ExtraHosts).toEqual(["helloapp:127.0.0.2"]);
    expect(target.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
    expect(target.Config.Env).toContain("AMBASSADOR_CONSUMER_ADDRESS=127.0.0.2");
    expect(web.Config.Env).toContain("HELLOAPP_PORT_5000_TCP=tcp://helloapp:5000");
    // The source ambassador reaches app by a Docker link on the default bridge, as the seed does.
    expect((await part(lab.a, "source")).HostConfig.Links).toEqual(["app:helloapp"]);
    const url = await publishedUrl(lab.b, "web");
    expect(made.targets[0]?.webUrls).toEqual([url]);
    const [view] = await lab.engine.list();
    expect(view?.containers.find((c) => c.role === "web")).toMatchObject({
      state: "running",
      mappings: [{ url }],
    });
    expect(view?.containers.find((c) => c.role === "target")?.state).toBe("running");
    const down = await lab.engine.teardown(made.link.id, context);
    expect(down.status).toBe("removed");
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  });

  it("keeps a network of its own where there is no consumer to hold, nothing to encrypt, or no default bridge", async () => {
    const lab = memoryEngine();
    const plain = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { web: "hello-web", plaintext: true },
      context,
    );
    const bare = await lab.engine.link("app", "clustera", "clusterb", { alias: "other" }, context);
    expect([plain.link.wiring, bare.link.wiring]).toEqual(["networks", "networks"]);
    await lab.a.createNetwork("apps", {});
    lab.a.run({ name: "api", Image: "hello-app", HostConfig: { NetworkMode: "apps" } });
    const offBridge = await lab.engine.link("api", "clustera", "clusterb", { web: "hello-web" }, context);
    expect(offBridge.link.wiring).toBe("networks");
  });

  it("asked again, returns the link it made, as it does one made with networks before", async () => {
    const lab = memoryEngine();
    const first = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const again = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    expect(again.existing).toBe(true);
    expect(again.link.id).toBe(first.link.id);
    await lab.links.save({ ...first.link, wiring: "networks" });
    const older = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    expect(older.link.id).toBe(first.link.id);
  });

  it("sees its target ambassador cut off when the consumer restarts, and repair joins it to the new namespace", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const url = made.targets[0]?.webUrls[0];
    const probe = createDockerLinkProbe(lab.clusters);
    const target = made.link.resources.find((r) => r.role === "target");
    if (!target) throw new Error("no target ambassador");
    expect(await probe.container("clusterb", target.id, 1000)).toBe("running");
    await tick();
    lab.b.restart("web");
    expect(await probe.container("clusterb", target.id, 1000)).toBe("disconnected");
    const [view] = await lab.engine.list();
    expect(view?.status).toBe("active");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.recreated.map((r) => `${r.role}: ${r.reason}`)).toEqual([
      "target: its consumer restarted, and with it the network namespace",
    ]);
    const web = await part(lab.b, "web");
    const remade = await part(lab.b, "target");
    expect(remade.HostConfig.NetworkMode).toBe(`container:${web.Id}`);
    expect(remade.Name).toBe(`/${target.name}`);
    const mended = lab.links.all().find((l) => l.id === made.link.id);
    const newTarget = mended?.resources.find((r) => r.role === "target");
    expect(await probe.container("clusterb", newTarget?.id ?? "", 1000)).toBe("running");
    // The consumer kept its address: only the ambassador was made anew.
    expect(repaired.webUrls).toEqual([url]);
  });

  it("keeps the stale target ambassador until its replacement starts, and says so when a repair fails after", async () => {
    let warned = "";
    const logger = createLogger({
      level: "warn",
      destination: readableLog({ write: (text: string) => (warned += text) }),
    });
    const lab = memoryEngine({ logger });
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const id = made.link.id;
    const stale = await part(lab.b, "target");
    // The path fails: the repair remakes the source ambassador, and the target for its new address.
    lab.b.brokenPaths.add(stale.Id);
    lab.b.failOn("create container");
    const before = await lab.engine.repair(id, context).catch((error: Error) => error.message);
    expect(before).toMatch(/Nothing of this attempt was left behind; link \w+ is as it was\.$/);
    expect((await part(lab.b, "target")).Id).toBe(stale.Id);
    expect(lab.links.get(id)?.status).toBe("active");
    // Nothing lost: the error says it all, and the log at the terminal holds no second word of it.
    expect(warned).toBe("");

    lab.b.failOn("start container");
    const after = await lab.engine.repair(id, context).catch((error: Error) => error.message);
    expect(after).toContain(
      `Nothing of this attempt was left behind. It had removed container ${stale.Name.slice(1)} on clusterb to replace it: link ${id} is broken until repair ${id} succeeds.`,
    );
    expect(await lab.b.inspectContainer(stale.Id)).toBeUndefined();
    expect(lab.links.get(id)?.status).toBe("broken");
    // A link left broken is worth a warning in the bot's log too.
    expect(warned).toMatch(/^warning: repair rolled back \(/);

    lab.b.brokenPaths.clear();
    const mended = await lab.engine.repair(id, context);
    expect(mended.recreated.map((r) => `${r.role} on ${r.cluster}`)).toContain("target on clusterb");
    expect((await part(lab.b, "target")).State.Running).toBe(true);
    expect(lab.links.get(id)?.status).toBe("active");
  });

  it("remakes the target ambassador with its consumer, which a repair remade", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    lab.b.removeExternally("web");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.recreated.map((r) => `${r.role}: ${r.reason}`)).toEqual([
      "target: its consumer was recreated",
      "web: missing",
    ]);
    const web = await part(lab.b, "web");
    expect((await part(lab.b, "target")).HostConfig.NetworkMode).toBe(`container:${web.Id}`);
    expect((await labelled(lab.b)).containers).toHaveLength(2);
  });

  it("starts a target ambassador again in its consumer's namespace without a repair", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const target = made.link.resources.find((r) => r.role === "target");
    if (!target) throw new Error("no target ambassador");
    await tick();
    lab.b.restart(target.id);
    expect(await createDockerLinkProbe(lab.clusters).container("clusterb", target.id, 1000)).toBe("running");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.status).toBe("nothing-to-repair");
  });
});

describe("a stopped target ambassador, as the health check sees it", () => {
  it("is out of its consumer's namespace when it stopped before the consumer last started, else merely stopped", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const target = made.link.resources.find((r) => r.role === "target");
    if (!target) throw new Error("no target ambassador");
    const probe = createDockerLinkProbe(lab.clusters);
    // Stopped by someone while its consumer runs.
    await tick();
    lab.b.stop(target.id);
    expect(await probe.container("clusterb", target.id, 1000)).toBe("stopped");
    // The consumer restarted after it: Docker would not have started it again while the consumer was down.
    await tick();
    lab.b.restart("web");
    expect(await probe.container("clusterb", target.id, 1000)).toBe("disconnected");
  });
});

describe("a target ambassador made while its consumer starts", () => {
  it("joins the consumer that runs when the first one could not start on its host port and was made again", async () => {
    const lab = memoryEngine();
    lab.b.failOn("start container", {
      reason:
        "driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:40000 failed: port is already allocated",
      statusCode: 500,
    });
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const web = await part(lab.b, "web");
    const target = await part(lab.b, "target");
    expect(target.State.Running).toBe(true);
    expect(target.HostConfig.NetworkMode).toBe(`container:${web.Id}`);
    expect(made.link.resources.filter((r) => r.cluster === "clusterb").map((r) => r.id)).toEqual([
      target.Id,
      web.Id,
    ]);
    expect((await labelled(lab.b)).containers).toHaveLength(2);
    expect(made.targets[0]?.webUrls).toEqual([await publishedUrl(lab.b, "web")]);
  });

  it("is removed with everything else when its consumer does not start", async () => {
    const lab = memoryEngine();
    lab.b.failOn("start container", {
      reason: "OCI runtime create failed: exec format error",
      statusCode: 500,
    });
    const refused = await lab.engine
      .link("app", "clustera", "clusterb", { web: "hello-web" }, context)
      .catch((error: unknown) => error);
    expect((refused as Error).message).toMatch(
      /^Link failed at step "start web" on clusterb: .*exec format error/,
    );
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  });
});

describe("the consumer's URL", () => {
  it("is on host ports chosen once from Docker's range, so it outlives a restart, and a consumer repair remakes for a stopped one keeps it", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const [url] = made.targets[0]?.webUrls ?? [];
    const port = Number(url?.split(":").at(-1));
    // Never the consumer's own number: an image's 80 is no port to take on a host.
    expect(port).toBeGreaterThanOrEqual(32768);
    expect(port).toBeLessThanOrEqual(60999);
    const bindings = (await part(lab.b, "web")).HostConfig.PortBindings?.["5000/tcp"];
    expect(bindings?.[0]?.HostPort).toBe(url?.split(":").at(-1));
    await tick();
    lab.b.restart("web");
    expect(await publishedUrl(lab.b, "web")).toBe(url);
    lab.b.stop("web");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.recreated.map((r) => `${r.role}: ${r.reason}`)).toContain("web: stopped");
    expect(repaired.webUrls).toEqual([url]);
  });

  it("is kept by a consumer that repair makes for one that was removed, as the link recorded it", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const [url] = made.targets[0]?.webUrls ?? [];
    lab.b.removeExternally("web");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.recreated.map((r) => `${r.role}: ${r.reason}`)).toContain("web: missing");
    expect(repaired.webUrls).toEqual([url]);
    // Kept again by the next: the repaired record names the ports too.
    lab.b.removeExternally("web");
    expect((await lab.engine.repair(made.link.id, context)).webUrls).toEqual([url]);
  });
});

describe("a paused part", () => {
  it("is shown paused and the link broken, and repair says to unpause it rather than remake anything", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    lab.a.pause("app");
    lab.b.pause("web");
    const [view] = await lab.engine.list();
    expect(view?.status).toBe("broken");
    expect(view?.containers.filter((c) => c.state === "paused").map((c) => `${c.role} ${c.name}`)).toEqual([
      "container app",
      "web web",
    ]);
    const web = made.link.resources.find((r) => r.role === "web");
    expect(await createDockerLinkProbe(lab.clusters).container("clusterb", web?.id ?? "", 1000)).toBe(
      "paused",
    );
    const refused = await lab.engine.repair(made.link.id, context).catch((error: unknown) => error);
    expect((refused as Error).message).toBe(
      `Link ${made.link.id} does not answer while "app" on clustera, "web" on clusterb are paused; unpause them (docker unpause app; docker unpause web), then repair link ${made.link.id} if it still fails.`,
    );
    lab.a.pause("app", false);
    lab.b.pause("web", false);
    expect((await lab.engine.repair(made.link.id, context)).status).toBe("nothing-to-repair");
    const [again] = await lab.engine.list();
    expect(again?.status).toBe("active");
  });
});

describe("an alias named like Docker's copies of a linked container's environment", () => {
  it("is refused before anything is made, since the ambassador would take no route from it", async () => {
    const lab = memoryEngine();
    const refused = await lab.engine
      .link("app", "clustera", "clusterb", { web: "hello-web", alias: "app-env" }, context)
      .catch((error: unknown) => error);
    expect((refused as Error).message).toBe(
      'The alias "app-env" names its variables as Docker names copies of a container\'s environment (APP_ENV_PORT_…); pass another with --alias.',
    );
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  });
});

describe("an alias the consumer's /etc/hosts gives the consumer itself", () => {
  it("is refused before anything is made, whatever its case, since the consumer would reach itself", async () => {
    const lab = memoryEngine();
    for (const alias of ["localhost", "LocalHost", "ip6-localhost"]) {
      const refused = await lab.engine
        .link("app", "clustera", "clusterb", { web: "hello-web", alias }, context)
        .catch((error: unknown) => error);
      expect((refused as Error).message).toBe(
        `The alias "${alias}" is a name every container's /etc/hosts gives to the container itself, so the consumer would reach itself, not the link; pass another with --alias.`,
      );
    }
    expect(await labelled(lab.a)).toEqual({ containers: [], networks: [] });
    expect(await labelled(lab.b)).toEqual({ containers: [], networks: [] });
  });
});

describe("a link with networks of its own", () => {
  it("remakes only its consumer when that one stopped, keeping the target ambassador", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link(
      "app",
      "clustera",
      "clusterb",
      { web: "hello-web", plaintext: true },
      context,
    );
    expect(made.link.wiring).toBe("networks");
    lab.b.stop("web");
    const repaired = await lab.engine.repair(made.link.id, context);
    expect(repaired.recreated.map((r) => `${r.role}: ${r.reason}`)).toEqual(["web: stopped"]);
  });
});
