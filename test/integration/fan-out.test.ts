import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { linkCertificateNames, targetCertificateName } from "../../src/domain/pki.js";
import { labelKeys } from "../../src/engine/labels.js";
import { createLinkEngine, type LinkStep } from "../../src/engine/link-engine.js";
import { LinkStepError } from "../../src/engine/step-errors.js";
import type { Engine } from "../../src/engine/types.js";
import { KeptLinkAuthority } from "../../src/store/link-authority.js";
import { lab, labDocker, testLabel } from "../lab.js";
import { getFrom, type TestPki } from "../support/ambassador-image.js";
import { botObjects, httpGet, networksOf, startApp, tester } from "../support/engine-fixture.js";
import { labClusters } from "../support/memory-clusters.js";
import { MemoryLinks, memoryAuthorityKeeper } from "../support/memory-links.js";

const hello = { alias: "helloapp", web: "hello-web:latest" };

describe("a link fanned out from clustera to clusterb and clusterc", () => {
  let a: Docker;
  let b: Docker;
  let c: Docker;
  let engine: Engine;
  let links: MemoryLinks;
  let authority: KeptLinkAuthority;
  let failAt: string | undefined;
  let pkiDir: string;

  async function clean(): Promise<void> {
    for (const link of links.all()) await engine.teardown(link.id, tester).catch(() => undefined);
    for (const docker of [a, b, c]) {
      for (const selector of [labelKeys.link, testLabel]) {
        const filters = JSON.stringify({ label: [selector] });
        for (const found of await docker.listContainers({ all: true, filters })) {
          await docker.getContainer(found.Id).remove({ force: true });
        }
        for (const found of await docker.listNetworks({ filters })) {
          await docker
            .getNetwork(found.Id)
            .remove()
            .catch(() => undefined);
        }
      }
    }
  }

  beforeAll(async () => {
    const info = lab();
    const clusters = await labClusters(info);
    clusters.add(
      "clusterc",
      await labDocker(info.clusterc),
      info.clusterc.ip,
      `tcp://${info.clusterc.ip}:2376`,
    );
    [a, b, c] = await Promise.all([
      labDocker(info.clustera),
      labDocker(info.clusterb),
      labDocker(info.clusterc),
    ]);
    links = new MemoryLinks();
    authority = new KeptLinkAuthority(memoryAuthorityKeeper());
    engine = createLinkEngine({
      clusters,
      links,
      authority,
      deadlines: { call: 20_000 },
      beforeStep: (step: LinkStep) => {
        if (failAt === `${step.name}@${step.cluster}`) throw new Error(`injected failure before ${failAt}`);
      },
    });
    await clean();
    await startApp(a);
    pkiDir = await mkdtemp(join(tmpdir(), "amb-fan-out-"));
  }, 120_000);

  afterAll(async () => {
    failAt = undefined;
    await clean();
    await rm(pkiDir, { recursive: true, force: true });
  }, 120_000);

  /** Certificates of the link's CA as its targets hold them, for a client of our own. */
  async function targetPki(linkId: string): Promise<TestPki> {
    const names = ["clusterb", "clusterc"].map((cluster) => targetCertificateName(linkId, cluster));
    const issued = await authority.issue(linkId, names);
    await writeFile(join(pkiDir, "ca.pem"), issued.ca);
    for (const [name, pair] of issued.targets) {
      await writeFile(join(pkiDir, `${name}.pem`), pair.cert);
      await writeFile(join(pkiDir, `${name}.key`), pair.key, { mode: 0o600 });
    }
    return { dir: pkiDir, names };
  }

  it("serves Hello World! on both targets' webs; one target torn down, the other still answers and the removed target's certificate is refused", async () => {
    const { clustera, clusterb, clusterc } = lab();
    const result = await engine.link("app", "clustera", ["clusterb", "clusterc"], hello, tester);
    expect(result.targets.map((t) => t.cluster)).toEqual(["clusterb", "clusterc"]);
    const [onB, onC] = result.targets.map((t) => t.webUrls[0] ?? "");
    expect(onB).toContain(clusterb.ip);
    expect(onC).toContain(clusterc.ip);
    expect(await httpGet(onB as string)).toContain("Hello World!");
    expect(await httpGet(onC as string)).toContain("Hello World!");
    expect(
      (await a.listContainers({ filters: JSON.stringify({ label: [`${labelKeys.role}=source`] }) })).length,
    ).toBe(1);

    const id = result.link.id;
    const pki = await targetPki(id);
    const port = Number(result.connections[0]?.address.split(":").at(-1));
    const source = linkCertificateNames(id).source;
    const asC = { pki, as: targetCertificateName(id, "clusterc"), expect: source };
    const asB = { pki, as: targetCertificateName(id, "clusterb"), expect: source };
    // Before: clusterc's certificate is let in, from clusterc and from clusterb alike.
    expect(await getFrom(clusterc.netns, clustera.ip, port, asC)).toContain("Hello World!");
    expect(await getFrom(clusterb.netns, clustera.ip, port, asC)).toContain("Hello World!");

    const removed = await engine.teardown(id, tester, { target: "clusterc" });
    expect(removed).toMatchObject({ target: "clusterc", status: "removed", left: [] });
    expect(await botObjects(c)).toEqual([]);
    expect(links.get(id)?.connections).toEqual(result.connections);
    expect(await httpGet(onB as string)).toContain("Hello World!");
    expect(await getFrom(clusterb.netns, clustera.ip, port, asB)).toContain("Hello World!");
    expect(await getFrom(clusterb.netns, clustera.ip, port, asC)).toBe("");
    expect(await getFrom(clusterc.netns, clustera.ip, port, asC)).toBe("");

    const rest = await engine.teardown(id, tester);
    expect(rest.status).toBe("removed");
    for (const docker of [a, b, c]) expect(await botObjects(docker)).toEqual([]);
  }, 180_000);

  it("rolls back all three hosts when the third target fails", async () => {
    failAt = "start target ambassador@clusterc";
    try {
      const error = await engine.link("app", "clustera", ["clusterb", "clusterc"], hello, tester).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LinkStepError);
      expect((error as LinkStepError).message).toMatch(
        /^Link failed at step "start target ambassador" on clusterc:.*Nothing of this attempt was left behind\.$/s,
      );
    } finally {
      failAt = undefined;
    }
    for (const docker of [a, b, c]) expect(await botObjects(docker)).toEqual([]);
    expect(await networksOf(a, "app")).toEqual(["bridge"]);
    expect(links.all()).toEqual([]);
  }, 120_000);
});
