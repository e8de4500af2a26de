import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkEngine } from "../../src/engine/link-engine.js";
import type { AmbassadorMode } from "../../src/engine/types.js";
import { UserError } from "../../src/errors.js";
import { lab } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  httpGet,
  startApp,
  tester,
} from "../support/engine-fixture.js";
import { testAuthority } from "../support/memory-links.js";

const noKernel = "ambassador-test/no-kernel:latest";

/** Our ambassador image without iptables: a host where kernel forwarding is not possible. */
async function buildNoKernelImage(docker: Docker): Promise<void> {
  const container = await docker.createContainer({
    Image: "ambassador-bot/ambassador:latest",
    Entrypoint: ["sh", "-c", "rm /usr/sbin/iptables* /usr/sbin/xtables*"],
  });
  try {
    await container.start();
    expect(await container.wait()).toMatchObject({ StatusCode: 0 });
    await container.commit({
      repo: "ambassador-test/no-kernel",
      tag: "latest",
      changes: ['ENTRYPOINT ["/bin/ambassador"]'],
    });
  } finally {
    await container.remove({ force: true });
  }
}

const helloLink = { alias: "helloapp", web: "hello-web:latest", plaintext: true };
const encrypted = { alias: "helloapp", web: "hello-web:latest" };

describe("ambassador modes", () => {
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
    await Promise.all([buildNoKernelImage(fx.a), buildNoKernelImage(fx.b)]);
  });

  afterAll(async () => {
    await cleanUp(fx);
    for (const docker of [fx.a, fx.b]) await docker.getImage(noKernel).remove({ force: true });
  });

  it("links with mTLS by default: both ambassadors run tls and the web answers through them", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", encrypted, tester);
    expect([result.source.mode, result.target.mode]).toEqual(["tls", "tls"]);
    expect(result.link.protection).toBe("mtls");
    const source = await fx.a.getContainer(result.source.id).inspect();
    expect(source.Config.Env).toContain("AMBASSADOR_TLS_ROLE=server");
    expect(source.Config.Env).toContain(`AMBASSADOR_TLS_PEER=ambassador-${result.link.id}-target-clusterb`);
    expect(source.Config.Env).toContain(`AMBASSADOR_ADMIT=${lab().clusterb.ip}/32`);
    expect(source.Config.Env.join("\n")).not.toMatch(/PRIVATE KEY/);
    expect(Object.values(source.HostConfig.PortBindings ?? {}).flat()).toEqual([
      expect.objectContaining({ HostIp: lab().clustera.ip }),
    ]);
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("refuses an encrypted link with the seed's image, saying to use --plaintext, and leaves nothing", async () => {
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: fx.clusters,
      links: fx.links,
      ambassadorImage: "svendowideit/ambassador:latest",
      deadlines: { handshake: 1_500 },
    });
    const error = await engine
      .link("app", "clustera", "clusterb", encrypted, tester)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /^Link failed at step "start source ambassador" on clustera: the image svendowideit\/ambassador:latest cannot carry encrypted links .*; link with --plaintext, or set AMBASSADOR_IMAGE to ambassador-bot\/ambassador:latest\. Nothing of this attempt was left behind\.$/,
    );
    await expectClean(fx);
  });

  it("runs the fastest mode the host permits by default: kernel on the lab", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    expect([result.source.mode, result.target.mode]).toEqual(["kernel", "kernel"]);
    expect(result.link.modes).toEqual({ source: "kernel", target: "kernel" });
    const ambassador = await fx.b.getContainer(result.target.id).inspect();
    expect(ambassador.HostConfig.CapAdd).toEqual(["NET_ADMIN"]);
    expect(ambassador.HostConfig.Sysctls).toEqual({ "net.ipv4.ip_forward": "1" });
    expect(ambassador.Config.Env).toContain("AMBASSADOR_MODE=kernel");
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("falls back to relay where kernel forwarding is refused, and says so", async () => {
    const engine = createLinkEngine({
      clusters: fx.clusters,
      links: fx.links,
      authority: testAuthority(),
      ambassadorImage: noKernel,
    });
    const result = await engine.link("app", "clustera", "clusterb", helloLink, tester);
    expect([result.source.mode, result.target.mode]).toEqual(["relay", "relay"]);
    const ambassador = await fx.b.getContainer(result.target.id).inspect();
    expect(ambassador.HostConfig.CapAdd ?? []).toEqual([]);
    expect(ambassador.Config.Env).toContain("AMBASSADOR_MODE=relay");
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    await engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("fails cleanly when kernel mode is forced on a host that refuses it", async () => {
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: fx.clusters,
      links: fx.links,
      ambassadorImage: noKernel,
      mode: "kernel",
    });
    const error = await engine
      .link("app", "clustera", "clusterb", helloLink, tester)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      // The target side starts once the source ambassador runs, so either side may be the first to refuse.
      /^Link failed at step "start (source ambassador" on clustera|target ambassador" on clusterb): .*kernel mode needs NET_ADMIN.*Nothing of this attempt was left behind\.$/,
    );
    await expectClean(fx);
  });

  it.each([undefined, "relay"] as (AmbassadorMode | undefined)[])(
    "takes svendowideit/ambassador as a drop-in ambassador image (mode %s)",
    async (mode) => {
      const engine = createLinkEngine({
        authority: testAuthority(),
        clusters: fx.clusters,
        links: fx.links,
        ambassadorImage: "svendowideit/ambassador:latest",
        mode,
        deadlines: { handshake: 1_500 },
      });
      const result = await engine.link("app", "clustera", "clusterb", helloLink, tester);
      expect([result.source.mode, result.target.mode]).toEqual(["relay", "relay"]);
      const ambassador = await fx.b.getContainer(result.target.id).inspect();
      expect(ambassador.Config.Image).toBe("svendowideit/ambassador:latest");
      expect(ambassador.HostConfig.CapAdd ?? []).toEqual([]);
      expect(await httpGet(result.webUrls[0] ?? "")).toContain('The linked container says ... "Hello World!');
      await engine.teardown(result.link.id, tester);
      await expectClean(fx);
    },
  );
});
