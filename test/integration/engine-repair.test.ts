import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LinkRecord } from "../../src/domain/link.js";
import { labelKeys } from "../../src/engine/labels.js";
import type { LinkStep } from "../../src/engine/link-engine.js";
import type { LinkResult } from "../../src/engine/types.js";
import { type LabHost, lab, testLabel } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  httpGet,
  startApp,
  tester,
} from "../support/engine-fixture.js";

const run = promisify(execFile);

/** `docker rm -f` through the lab host's own socket, as someone at that host would. */
async function removeByHand(host: LabHost, name: string): Promise<void> {
  await run("docker", ["rm", "-f", name], { env: { ...process.env, DOCKER_HOST: `unix://${host.socket}` } });
}

function part(link: LinkRecord, role: string): string {
  const found = link.resources.find((r) => r.role === role);
  if (!found) throw new Error(`link ${link.id} has no ${role}`);
  return found.name;
}

describe("repair on the lab", () => {
  let fx: EngineFixture;
  let failAt: string | undefined;
  let linked: LinkResult;

  beforeAll(async () => {
    fx = await engineFixture(lab(), {
      beforeStep: (step: LinkStep) => {
        if (failAt === `${step.name}@${step.cluster}`) throw new Error(`injected failure before ${failAt}`);
      },
    });
    await cleanUp(fx);
    await startApp(fx.a);
    linked = await fx.engine.link(
      "app",
      "clustera",
      "clusterb",
      { alias: "helloapp", web: "hello-web:latest" },
      tester,
    );
  });

  afterAll(async () => {
    await cleanUp(fx);
  });

  it("recreates a source ambassador that lost its host port, and the target ambassador that pointed at the old one", async () => {
    const before = fx.links.get(linked.link.id) as LinkRecord;
    expect(before.connections).toEqual([{ port: 5000, address: `${lab().clustera.ip}:5000` }]);
    await removeByHand(lab().clustera, part(before, "source"));
    // Someone else takes host port 5000 before the repair.
    const blocker = await fx.a.createContainer({
      Image: "ambassador-lab/toolbox:latest",
      name: "port-5000-taken",
      Labels: { [testLabel]: "1" },
      ExposedPorts: { "5000/tcp": {} },
      HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: "5000" }] } },
    });
    await blocker.start();

    const result = await fx.engine.repair(linked.link.id, tester);

    expect(result.status).toBe("repaired");
    expect(result.recreated.map((p) => `${p.role} on ${p.cluster}: ${p.reason}`)).toEqual([
      "source on clustera: missing",
      "target on clusterb: stale connection information",
    ]);
    const address = result.connections[0]?.address ?? "";
    expect(address).toMatch(new RegExp(`^${lab().clustera.ip.replace(/\./g, "\\.")}:\\d+$`));
    expect(address).not.toBe(`${lab().clustera.ip}:5000`);
    expect(result.replaced).toEqual([{ cluster: "clusterb", name: part(before, "target") }]);
    const after = fx.links.get(linked.link.id) as LinkRecord;
    expect(after.connections).toEqual(result.connections);
    expect(after.status).toBe("active");
    const target = await fx.b.getContainer(part(after, "target")).inspect();
    expect(target.Config.Env).toContain(`HELLOAPP_PORT_5000_TCP=tcp://${address}`);
    // The stale one is gone; the new one, in the consumer's namespace, may have its name.
    const staleId = before.resources.find((r) => r.role === "target")?.id ?? "";
    await expect(fx.b.getContainer(staleId).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(await httpGet(linked.webUrls[0] ?? "")).toContain("Hello World!");

    const again = await fx.engine.repair(linked.link.id, tester);
    expect(again).toMatchObject({ status: "nothing-to-repair", recreated: [] });
  }, 60_000);

  it("leaves nothing new behind and the link as it was when a repair fails midway", async () => {
    const before = fx.links.get(linked.link.id) as LinkRecord;
    await removeByHand(lab().clusterb, part(before, "target"));
    await removeByHand(lab().clusterb, part(before, "web"));
    const objectsOnB = async () => {
      const filters = JSON.stringify({ label: [`${labelKeys.link}=${linked.link.id}`] });
      const containers = await fx.b.listContainers({ all: true, filters });
      const networks = await fx.b.listNetworks({ filters });
      return [...containers.map((c) => c.Names[0]), ...networks.map((n) => n.Name)].sort();
    };
    const leftBefore = await objectsOnB();
    // Nothing is left on B: the link has no network there.
    expect(leftBefore).toEqual([]);

    failAt = "start web@clusterb";
    const failed = fx.engine.repair(linked.link.id, tester);
    await expect(failed).rejects.toMatchObject({ code: "repair-failed" });
    await expect(failed).rejects.toThrow(
      `Repair of link ${linked.link.id} failed at step "start web" on clusterb: injected failure before start web@clusterb. Nothing of this attempt was left behind; link ${linked.link.id} is as it was.`,
    );
    expect(await objectsOnB()).toEqual(leftBefore);
    expect(fx.links.get(linked.link.id)).toEqual(before);

    failAt = undefined;
    const result = await fx.engine.repair(linked.link.id, tester);
    expect(result.recreated.map((p) => `${p.role}: ${p.reason}`)).toEqual([
      "target: missing",
      "web: missing",
    ]);
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
  }, 60_000);
});
