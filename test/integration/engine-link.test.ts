import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelKeys } from "../../src/engine/labels.js";
import { formatMapping, mappingsOf } from "../../src/engine/mappings.js";
import type { AmbassadorMode } from "../../src/engine/types.js";
import { lab } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  httpGet,
  networksOf,
  startApp,
  tester,
} from "../support/engine-fixture.js";

describe.each(["tls", "kernel", "relay"] as AmbassadorMode[])("link engine, %s mode", (mode) => {
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab(), { mode });
    await cleanUp(fx);
    await startApp(fx.a);
  });

  afterAll(async () => {
    await cleanUp(fx);
  });

  it("links app from clustera to clusterb with hello-web, serves Hello World! at the URL, and tears down clean", async () => {
    const result = await fx.engine.link(
      "app",
      "clustera",
      "clusterb",
      { alias: "helloapp", web: "hello-web:latest" },
      tester,
    );

    expect(result.existing).toBe(false);
    expect(result.source).toMatchObject({ cluster: "clustera", name: "app-ambassador", mode });
    expect(result.target).toMatchObject({ cluster: "clusterb", name: "app-ambassador", mode });
    expect(result.connections).toEqual([{ port: 5000, address: `${lab().clustera.ip}:5000` }]);
    expect(result.mappings.map(formatMapping)).toContain(`5000/tcp -> ${lab().clustera.ip}:5000`);
    expect(result.webUrls).toHaveLength(1);
    const url = result.webUrls[0] ?? "";
    expect(url).toMatch(new RegExp(`^http://${lab().clusterb.ip.replaceAll(".", "\\.")}:\\d+$`));
    expect(result.timings.map((t) => t.step)).toContain("start target ambassador");

    const page = await httpGet(url);
    expect(page).toContain('The linked container says ... "Hello World!');

    const web = await fx.b.getContainer("web").inspect();
    expect(web.Config.Labels).toMatchObject({
      [labelKeys.link]: result.link.id,
      [labelKeys.role]: "web",
      [labelKeys.by]: "slack:T1/U1",
      [labelKeys.channel]: "C1",
      [labelKeys.store]: fx.links.storeId,
    });
    expect(web.Config.Env).toContain("HELLOAPP_PORT_5000_TCP=tcp://helloapp:5000");
    expect(web.Config.Env).toContain("HELLOAPP_PORT_5000_TCP_ADDR=helloapp");
    const ambassador = await fx.b.getContainer(result.target.id).inspect();
    expect(ambassador.HostConfig.RestartPolicy?.Name).toBe("unless-stopped");
    expect(ambassador.Config.Env).toContain(`HELLOAPP_PORT_5000_TCP=tcp://${lab().clustera.ip}:5000`);
    expect(ambassador.Config.Labels?.[labelKeys.role]).toBe("target");
    // An mTLS link that starts its consumer makes no network: the target ambassador runs in the consumer's network
    // namespace and redirects its connections to helloapp (NET_ADMIN).
    const shared = mode === "tls";
    expect(ambassador.HostConfig.CapAdd ?? []).toEqual(shared || mode === "kernel" ? ["NET_ADMIN"] : []);
    expect(ambassador.HostConfig.NetworkMode).toBe(
      shared ? `container:${web.Id}` : `ambassador-${result.link.id}-target`,
    );
    expect(await networksOf(fx.a, "app")).toEqual(
      shared ? ["bridge"] : [`ambassador-${result.link.id}-source`, "bridge"],
    );
    const published = web.NetworkSettings.Ports;

    const ports = await fx.engine.ports("web");
    expect(ports.searched).toEqual(["clustera", "clusterb"]);
    expect(ports.found).toHaveLength(1);
    expect(ports.found[0]?.cluster).toBe("clusterb");
    expect(ports.found[0]?.mappings).toEqual(mappingsOf("clusterb", "web", lab().clusterb.ip, published));
    const dockerSays = Object.entries(published).flatMap(([key, bindings]) =>
      (bindings ?? []).map(
        (b) =>
          `${key} -> ${b.HostIp === "::" || b.HostIp === "0.0.0.0" ? lab().clusterb.ip : b.HostIp}:${b.HostPort}`,
      ),
    );
    expect(new Set(ports.found[0]?.mappings.map(formatMapping))).toEqual(new Set(dockerSays));
    expect(ports.found[0]?.mappings[0]?.url).toBe(url);

    const views = await fx.engine.list();
    expect(views).toHaveLength(1);
    expect(views[0]?.status).toBe("active");
    expect(views[0]?.containers.map((c) => `${c.role}:${c.state}`).sort()).toEqual([
      "container:running",
      "source:running",
      "target:running",
      "web:running",
    ]);

    const down = await fx.engine.teardown(result.link.id, tester);
    expect(down.status).toBe("removed");
    expect(down.left).toEqual([]);
    expect(down.removed.map((r) => `${r.cluster} ${r.kind} ${r.name}`)).toEqual(
      shared
        ? ["clusterb container web", "clusterb container app-ambassador", "clustera container app-ambassador"]
        : [
            "clusterb container web",
            "clusterb container app-ambassador",
            `clusterb network ambassador-${result.link.id}-target`,
            "clustera container app-ambassador",
            "clustera connection app",
            `clustera network ambassador-${result.link.id}-source`,
          ],
    );
    await expectClean(fx);
    expect((await fx.a.getContainer("app").inspect()).State.Running).toBe(true);
    expect(fx.links.all()).toEqual([]);
  });
});
