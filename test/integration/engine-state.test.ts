import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDockerClient } from "../../src/docker/docker-client.js";
import { labelKeys } from "../../src/engine/labels.js";
import { createLinkEngine } from "../../src/engine/link-engine.js";
import type { AmbassadorMode, Engine } from "../../src/engine/types.js";
import { UserError } from "../../src/errors.js";
import { lab, labEndpoint } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  startApp,
  tester,
} from "../support/engine-fixture.js";
import { testAuthority } from "../support/memory-links.js";

describe.each(["tls", "kernel", "relay"] as AmbassadorMode[])(
  "ports, list and reconcile, %s mode",
  (mode) => {
    let fx: EngineFixture;
    let engine: Engine;

    beforeAll(async () => {
      fx = await engineFixture(lab(), { mode });
      await cleanUp(fx);
      await startApp(fx.a);
      const tls = (await labEndpoint(lab().clustera)).tls;
      const subnet = lab().bridgeIp.replace(/\.1$/, "");
      // Nothing listens on the first; nothing answers at all at the second.
      const refused = `tcp://${lab().bridgeIp}:2399`;
      const silent = `tcp://${subnet}.250:2376`;
      fx.clusters.add("clusterc", createDockerClient({ host: refused, tls }), lab().bridgeIp, refused);
      fx.clusters.add("clusterd", createDockerClient({ host: silent, tls }), `${subnet}.250`, silent);
      engine = createLinkEngine({
        clusters: fx.clusters,
        links: fx.links,
        authority: testAuthority(),
        mode,
        deadlines: { read: 1_000 },
      });
    });

    afterAll(async () => {
      await cleanUp(fx);
    });

    it("looks a name up on every cluster at once, lists each match, and names the clusters it could not reach", async () => {
      const result = await engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, tester);

      const started = performance.now();
      const ports = await engine.ports("app-ambassador");
      expect(performance.now() - started).toBeLessThan(1_500);
      expect(ports.searched).toEqual(["clustera", "clusterb", "clusterc", "clusterd"]);
      expect(ports.unreachable.map((u) => u.cluster)).toEqual(["clusterc", "clusterd"]);
      // Unanswered ARP: the deadline passes first, unless the kernel already knows the address does not answer.
      expect(ports.unreachable[1]?.error).toMatch(/no answer within 1 s|EHOSTUNREACH/);
      expect(ports.found.map((f) => f.cluster)).toEqual(["clustera", "clusterb"]);
      expect(ports.found[0]?.mappings).toEqual([
        {
          cluster: "clustera",
          container: "app-ambassador",
          containerPort: 5000,
          protocol: "tcp",
          hostIp: lab().clustera.ip,
          hostPort: 5000,
          url: `http://${lab().clustera.ip}:5000`,
        },
      ]);
      expect(ports.found[1]?.mappings).toEqual([]);

      const nowhere = await engine.ports("no-such-container");
      expect(nowhere.found).toEqual([]);
      expect(nowhere.searched).toHaveLength(4);
      const named = await engine.ports("app-ambassador", "clusterb");
      expect(named.searched).toEqual(["clusterb"]);
      expect(named.found).toHaveLength(1);
      await expect(engine.ports("app", "clusterz")).rejects.toBeInstanceOf(UserError);

      await fx.b.getContainer(result.target.id).remove({ force: true });
      const [view] = await engine.list({ channel: "C1" });
      expect(view?.status).toBe("broken");
      expect(view?.containers).toContainEqual({
        cluster: "clusterb",
        role: "target",
        name: "app-ambassador",
        state: "missing",
      });
      expect(await engine.list({ channel: "C-other" })).toEqual([]);

      const orphan = await fx.b.createContainer({
        Image: "ambassador-lab/toolbox:latest",
        name: "orphan-ambassador",
        Labels: { [labelKeys.link]: "gone0000", [labelKeys.role]: "target" },
      });
      const orphanNetwork = await fx.a.createNetwork({
        Name: "orphan-net",
        Labels: { [labelKeys.link]: "gone0000" },
      });

      const found = await engine.reconcile({ fix: false });
      expect(found.orphans.map((o) => `${o.cluster} ${o.kind} ${o.name} ${o.linkId}`).sort()).toEqual([
        "clustera network orphan-net gone0000",
        "clusterb container orphan-ambassador gone0000",
      ]);
      expect(found.broken).toEqual([
        { linkId: result.link.id, missing: ["container app-ambassador on clusterb"] },
      ]);
      expect(found.unreachable?.map((u) => u.cluster)).toEqual(["clusterc", "clusterd"]);
      expect(found.removed).toBe(0);
      expect((await orphan.inspect()).Id).toBe(orphan.id);

      const fixed = await engine.reconcile({ fix: true });
      expect(fixed.removed).toBe(2);
      expect(fx.links.get(result.link.id)?.status).toBe("broken");
      await expect(orphan.inspect()).rejects.toThrow();
      await expect(orphanNetwork.inspect()).rejects.toThrow();

      const down = await engine.teardown(result.link.id, tester);
      expect(down.status).toBe("removed");
      await expectClean(fx);
      expect((await engine.reconcile({ fix: false })).orphans).toEqual([]);
    });
  },
);
