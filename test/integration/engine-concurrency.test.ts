import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelKeys } from "../../src/engine/labels.js";
import type { AmbassadorMode } from "../../src/engine/types.js";
import { lab, testLabel } from "../lab.js";
import {
  botObjects,
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  httpGet,
  startApp,
  tester,
} from "../support/engine-fixture.js";

describe.each(["tls", "kernel", "relay"] as AmbassadorMode[])(
  "link concurrency, clobbering and legacy links, %s mode",
  (mode) => {
    let fx: EngineFixture;

    beforeAll(async () => {
      fx = await engineFixture(lab(), { mode });
      await cleanUp(fx);
      await startApp(fx.a);
    });

    afterAll(async () => {
      await cleanUp(fx);
    });

    it("makes exactly one link from 10 identical requests at once", async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          fx.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, tester),
        ),
      );
      expect(new Set(results.map((r) => r.link.id)).size).toBe(1);
      expect(results.filter((r) => !r.existing)).toHaveLength(1);
      expect(fx.links.all()).toHaveLength(1);
      expect(await botObjects(fx.a)).toHaveLength(2);
      expect(await botObjects(fx.b)).toHaveLength(2);
      const again = results.find((r) => r.existing);
      expect(again?.connections).toEqual([{ port: 5000, address: `${lab().clustera.ip}:5000` }]);
      expect(again?.source.mode).toBe(mode);

      const down = await fx.engine.teardown("app", tester);
      expect(down.status).toBe("removed");
      await expectClean(fx);
    });

    it("never clobbers a container it did not make, and picks a free host port when 5000 is taken", async () => {
      const squatter = await fx.a.createContainer({
        Image: "ambassador-lab/toolbox:latest",
        name: "app-ambassador",
        Labels: { [testLabel]: "1" },
        ExposedPorts: { "5000/tcp": {} },
        HostConfig: { PortBindings: { "5000/tcp": [{ HostPort: "5000" }] } },
      });
      await squatter.start();
      try {
        const result = await fx.engine.link(
          "app",
          "clustera",
          "clusterb",
          { alias: "helloapp", web: "hello-web:latest" },
          tester,
        );
        expect(result.source.name).toBe("app-ambassador-2");
        expect(result.target.name).toBe("app-ambassador");
        const port = Number(result.connections[0]?.address.split(":")[1]);
        expect(port).not.toBe(5000);
        expect(port).toBeGreaterThan(0);
        expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
        await fx.engine.teardown(result.link.id, tester);
        await expectClean(fx);
        const kept = await squatter.inspect();
        expect(kept.State.Running).toBe(true);
        expect(kept.Config.Labels?.[labelKeys.link]).toBeUndefined();
      } finally {
        await squatter.remove({ force: true });
      }
    });

    it("wires with --link exactly as the seed tutorial does when asked for legacy links", async () => {
      const result = await fx.engine.link(
        "app",
        "clustera",
        "clusterb",
        { alias: "helloapp", web: "hello-web:latest", legacyLinks: true },
        tester,
      );
      expect(result.link.wiring).toBe("legacy-links");
      expect(result.link.resources.map((r) => `${r.cluster} ${r.kind} ${r.role}`)).toEqual([
        "clustera container source",
        "clusterb container target",
        "clusterb container web",
      ]);
      const source = await fx.a.getContainer(result.source.id).inspect();
      expect(source.HostConfig.Links).toEqual(["/app:/app-ambassador/helloapp"]);
      expect(source.HostConfig.PortBindings).toEqual({
        "5000/tcp": [{ HostIp: lab().clustera.ip, HostPort: "5000" }],
      });
      const target = await fx.b.getContainer(result.target.id).inspect();
      expect(Object.keys(target.NetworkSettings.Networks)).toEqual(["bridge"]);
      expect(target.Config.Env).toContain(`HELLOAPP_PORT_5000_TCP=tcp://${lab().clustera.ip}:5000`);
      expect(Object.keys(target.Config.ExposedPorts ?? {})).toEqual(["5000/tcp"]);
      const web = await fx.b.getContainer("web").inspect();
      expect(web.HostConfig.Links).toEqual(["/app-ambassador:/web/helloapp"]);
      expect(web.HostConfig.PublishAllPorts).toBe(false);
      // On a host port of its own from Docker's range, chosen when it was made, so it keeps it across restarts.
      const [binding] = web.HostConfig.PortBindings?.["5000/tcp"] ?? [];
      expect(binding?.HostIp).toBe(lab().clusterb.ip);
      expect(Number(binding?.HostPort)).toBeGreaterThanOrEqual(32768);
      expect(Number(binding?.HostPort)).toBeLessThanOrEqual(60999);
      expect(web.Config.Env ?? []).not.toContain("HELLOAPP_PORT_5000_TCP=tcp://helloapp:5000");

      expect(await httpGet(result.webUrls[0] ?? "")).toContain('The linked container says ... "Hello World!');
      const down = await fx.engine.teardown(result.link.id, tester);
      expect(down.status).toBe("removed");
      await expectClean(fx);
    });
  },
);
