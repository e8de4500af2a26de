import type Docker from "dockerode";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { lab, testLabel } from "../lab.js";
import { execIn } from "../support/ambassador-image.js";
import {
  botObjects,
  cleanUp,
  type EngineFixture,
  engineFixture,
  networksOf,
  startApp,
  tester,
} from "../support/engine-fixture.js";

/** A long-running container of someone else's on clusterb: the consumer that already runs. */
async function startWorker(docker: Docker, name = "worker"): Promise<Docker.Container> {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch(() => undefined);
  const container = await docker.createContainer({
    Image: "ambassador-lab/toolbox:latest",
    name,
    Labels: { [testLabel]: "1" },
  });
  await container.start();
  return container;
}

async function fetchThroughAlias(worker: Docker.Container, attempts = 20): Promise<string> {
  let last = "";
  for (let i = 0; i < attempts; i++) {
    last = await execIn(worker, ["timeout", "5", "wget", "-q", "-O", "-", "http://helloapp:5000/"]);
    if (last.includes("Hello World!")) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return last;
}

describe("link --consumer on the lab", () => {
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
  });

  beforeEach(async () => {
    await cleanUp(fx);
    await startApp(fx.a);
  });

  afterAll(async () => {
    await cleanUp(fx);
  });

  const linkWorker = () =>
    fx.engine.link("app", "clustera", "clusterb", { alias: "helloapp", consumer: "worker" }, tester);

  it("the running container reaches the source by the alias, and after teardown runs on, unchanged but for the network", async () => {
    const worker = await startWorker(fx.b);
    const before = await worker.inspect();

    const result = await linkWorker();
    const network = `ambassador-${result.link.id}-target`;
    expect(await networksOf(fx.b, "worker")).toEqual(["bridge", network].sort());
    expect(await fetchThroughAlias(worker)).toBe("Hello World!\n");

    const [view] = await fx.engine.list();
    expect(view?.containers).toContainEqual({
      cluster: "clusterb",
      role: "consumer",
      name: "worker",
      state: "running",
    });

    const teardown = await fx.engine.teardown(result.link.id, tester);
    expect(teardown.status).toBe("removed");
    const after = await worker.inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.Running).toBe(true);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(after.RestartCount).toBe(before.RestartCount);
    expect(after.Config).toEqual(before.Config);
    expect(Object.keys(after.NetworkSettings.Networks)).toEqual(["bridge"]);
    expect(await botObjects(fx.a)).toEqual([]);
    expect(await botObjects(fx.b)).toEqual([]);
  });

  it("repair reconnects a consumer taken off the link's network", async () => {
    const worker = await startWorker(fx.b);
    const result = await linkWorker();
    const network = `ambassador-${result.link.id}-target`;
    await fx.b.getNetwork(network).disconnect({ Container: "worker" });
    const [view] = await fx.engine.list();
    expect(view?.status).toBe("broken");
    const repair = await fx.engine.repair(result.link.id, tester);
    expect(repair.recreated.map((r) => r.role)).toEqual(["consumer"]);
    expect(await fetchThroughAlias(worker)).toBe("Hello World!\n");
  });

  it("repair reconnects the source container taken off the link's network, and nothing else", async () => {
    const worker = await startWorker(fx.b);
    const result = await linkWorker();
    await fx.a.getNetwork(`ambassador-${result.link.id}-source`).disconnect({ Container: "app" });
    const [view] = await fx.engine.list();
    expect(view?.status).toBe("broken");
    expect(view?.containers.find((c) => c.role === "container")?.state).toBe("disconnected");
    const repair = await fx.engine.repair(result.link.id, tester);
    expect(repair.recreated.map((r) => r.role)).toEqual(["connection"]);
    expect(repair.connections).toEqual(result.connections);
    expect(await fetchThroughAlias(worker)).toBe("Hello World!\n");
  });

  it.each([
    ["does not exist", async () => undefined, /^No container "worker" on clusterb to use as the consumer\./],
    [
      "is not running",
      async (docker: Docker) => (await startWorker(docker)).stop({ t: 0 }),
      /^Consumer "worker" on clusterb is exited, not running; start it first \(docker start worker\)\.$/,
    ],
  ])("a consumer that %s is refused with nothing made", async (_, prepare, message) => {
    await prepare(fx.b);
    await expect(linkWorker()).rejects.toThrow(message);
    expect(await botObjects(fx.a)).toEqual([]);
    expect(await botObjects(fx.b)).toEqual([]);
    expect(await networksOf(fx.a, "app")).toEqual(["bridge"]);
    expect(fx.links.all()).toEqual([]);
  });
});
