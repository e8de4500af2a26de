import type Docker from "dockerode";
import { expect } from "vitest";
import type { LinkRepository } from "../../src/domain/link.js";
import { labelKeys } from "../../src/engine/labels.js";
import { createLinkEngine, type LinkEngineDeps } from "../../src/engine/link-engine.js";
import type { Engine, RequestContext } from "../../src/engine/types.js";
import { type LabInfo, labDocker, testLabel } from "../lab.js";
import { labClusters, type MemoryClusters } from "./memory-clusters.js";
import { MemoryLinks, testAuthority } from "./memory-links.js";

export const tester: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };

/** The lab's two hosts, an in-memory store, and an engine over them. */
export interface EngineFixture {
  a: Docker;
  b: Docker;
  clusters: MemoryClusters;
  links: MemoryLinks;
  engine: Engine;
}

export async function engineFixture(
  info: LabInfo,
  options: Partial<LinkEngineDeps> = {},
): Promise<EngineFixture> {
  const clusters = await labClusters(info);
  const links = new MemoryLinks();
  const { mode, ...rest } = options;
  const engine = createLinkEngine({
    clusters,
    links,
    authority: testAuthority(),
    deadlines: { call: 20_000 },
    mode: mode === "tls" ? undefined : mode,
    ...rest,
  });
  return {
    a: await labDocker(info.clustera),
    b: await labDocker(info.clusterb),
    clusters,
    links,
    engine: mode === "kernel" || mode === "relay" ? plaintextByDefault(engine) : engine,
  };
}

/** The engine, with links plaintext unless a test asks otherwise: suites of the plaintext modes run through it. */
function plaintextByDefault(engine: Engine): Engine {
  return {
    ...engine,
    link: (container, source, target, options, context) =>
      engine.link(container, source, target, { plaintext: true, ...options }, context),
  };
}

/** Starts `hello-app` as a plain container the bot did not make, labelled for the test clean-up only. */
export async function startApp(docker: Docker, name = "app", image = "hello-app:latest"): Promise<string> {
  const existing = await docker.listContainers({
    all: true,
    filters: JSON.stringify({ name: [`^/${name}$`] }),
  });
  for (const container of existing) await docker.getContainer(container.Id).remove({ force: true });
  const container = await docker.createContainer({ Image: image, name, Labels: { [testLabel]: "1" } });
  await container.start();
  return container.id;
}

/** Everything on a host that carries the bot's link label. */
export async function botObjects(docker: Docker): Promise<string[]> {
  const filters = JSON.stringify({ label: [labelKeys.link] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [
    ...containers.map((c) => `container ${c.Names[0]} (${c.Labels[labelKeys.link]})`),
    ...networks.map((n) => `network ${n.Name}`),
  ];
}

/** Networks a container is attached to. */
export async function networksOf(docker: Docker, container: string): Promise<string[]> {
  const info = await docker.getContainer(container).inspect();
  return Object.keys(info.NetworkSettings.Networks ?? {}).sort();
}

export async function expectClean(fixture: EngineFixture, appOnA = "app"): Promise<void> {
  expect(await botObjects(fixture.a)).toEqual([]);
  expect(await botObjects(fixture.b)).toEqual([]);
  if (appOnA) expect(await networksOf(fixture.a, appOnA)).toEqual(["bridge"]);
}

/** GET from this process (outside both hosts), retried briefly while the path comes up. */
export async function httpGet(url: string, attempts = 20): Promise<string> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      const text = await response.text();
      if (response.ok && text.includes("Hello World!")) return text;
      last = new Error(`${response.status}: ${text}`);
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw last;
}

/** Removes what a test left: every link in the store, then anything with the bot's or the test's labels. */
export async function cleanUp(
  fixture: Pick<EngineFixture, "a" | "b" | "engine"> & { links: LinkRepository },
): Promise<void> {
  for (const link of fixture.links.all()) {
    await fixture.engine.teardown(link.id, tester).catch(() => undefined);
  }
  for (const docker of [fixture.a, fixture.b]) {
    for (const selector of [labelKeys.link, testLabel]) {
      const filters = JSON.stringify({ label: [selector] });
      for (const c of await docker.listContainers({ all: true, filters })) {
        await docker.getContainer(c.Id).remove({ force: true });
      }
      for (const n of await docker.listNetworks({ filters })) {
        const network = docker.getNetwork(n.Id);
        const details = (await network.inspect()) as { Containers?: Record<string, unknown> };
        for (const id of Object.keys(details.Containers ?? {})) {
          await network.disconnect({ Container: id, Force: true }).catch(() => undefined);
        }
        await network.remove().catch(() => undefined);
      }
    }
  }
}
