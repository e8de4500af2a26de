import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkEngine } from "../../src/engine/link-engine.js";
import type { AmbassadorMode, LinkOptions } from "../../src/engine/types.js";
import { UserError } from "../../src/errors.js";
import { lab, testLabel } from "../lab.js";
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

async function userError(attempt: Promise<unknown>): Promise<UserError> {
  const error = await attempt.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  const userError = error as UserError;
  expect(userError.message).not.toContain("\n");
  return userError;
}

describe.each(["tls", "kernel", "relay"] as AmbassadorMode[])("link refusals, %s mode", (mode) => {
  let fx: EngineFixture;
  const link = (container: string, options: LinkOptions = {}, source = "clustera", target = "clusterb") =>
    fx.engine.link(container, source, target, options, tester);

  beforeAll(async () => {
    fx = await engineFixture(lab(), { mode });
    await cleanUp(fx);
    await startApp(fx.a);
    const stopped = await fx.a.createContainer({
      Image: "hello-app:latest",
      name: "stopped-app",
      Labels: { [testLabel]: "1" },
    });
    void stopped;
    const quiet = await fx.a.createContainer({
      Image: "ambassador-lab/toolbox:latest",
      name: "quiet",
      Labels: { [testLabel]: "1" },
    });
    await quiet.start();
  });

  afterAll(async () => {
    await cleanUp(fx);
  });

  it("names close matches when the container is missing on the source cluster", async () => {
    const error = await userError(link("ap"));
    expect(error.code).toBe("container-not-found");
    expect(error.message).toBe('No container "ap" on clustera. Did you mean "app" or "stopped-app"?');
    const far = await userError(link("zzzzzz"));
    expect(far.message).toBe(
      'No container "zzzzzz" on clustera. Check the name with `ports` or `docker ps` on that host.',
    );
    await expectClean(fx);
  });

  it("refuses a container that is not running", async () => {
    const error = await userError(link("stopped-app", { alias: "helloapp" }));
    expect(error.code).toBe("container-not-running");
    expect(error.message).toBe(
      'Container "stopped-app" on clustera is created, not running; start it first (docker start stopped-app).',
    );
    await expectClean(fx);
  });

  it("refuses an unknown cluster, a bad port, a bad alias and a container without ports", async () => {
    expect((await userError(link("app", {}, "clusterz"))).code).toBe("unknown-cluster");
    expect((await userError(link("app", {}, "clustera", "nowhere"))).code).toBe("unknown-cluster");
    const port = await userError(link("app", { ports: [5000, 70000] }));
    expect(port.code).toBe("port-out-of-range");
    expect(port.message).toBe("Port 70000 is out of range: use a whole number from 1 to 65535.");
    expect((await userError(link("app", { ports: [0] }))).code).toBe("port-out-of-range");
    const alias = await userError(link("app", { alias: "hello_app" }));
    expect(alias.code).toBe("invalid-alias");
    expect(alias.message).toContain('"hello_app" is not a valid alias');
    const none = await userError(link("quiet"));
    expect(none.code).toBe("no-ports");
    expect(none.message).toBe(
      'Container "quiet" on clustera exposes no TCP port; pass the port(s) to carry with --port.',
    );
    await expectClean(fx, "app");
  });

  it("links a port the app does not listen on, says so, and forwards the one it does", async () => {
    const made = await link("app", { alias: "helloapp", ports: [5000, 5001], web: "hello-web" });
    try {
      expect(made.silentPorts).toEqual([5001]);
      expect(await httpGet(made.webUrls[0] ?? "")).toContain('The linked container says ... "Hello World!');
    } finally {
      await fx.engine.teardown(made.link.id, tester);
    }
    const quiet = await link("app", { alias: "helloapp" });
    try {
      expect(quiet.silentPorts).toBeUndefined();
    } finally {
      await fx.engine.teardown(quiet.link.id, tester);
    }
    await expectClean(fx, "app");
  });

  it("says which links exist when asked to tear down one that does not", async () => {
    const error = await userError(fx.engine.teardown("nope", tester));
    expect(error.code).toBe("link-not-found");
    expect(error.message).toBe(
      'No link with ID or container "nope". `list` shows the links you may see; `reconcile` names what a link cut short left behind.',
    );
  });

  it("says so when the ambassador image is missing on a host and cannot be pulled", async () => {
    const image = `${lab().bridgeIp}:5999/nosuch/ambassador:latest`;
    const engine = createLinkEngine({
      clusters: fx.clusters,
      links: fx.links,
      authority: testAuthority(),
      ambassadorImage: image,
      mode,
    });
    const error = await userError(engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, tester));
    expect(error.code).toBe("image-missing");
    expect(error.message).toMatch(
      /^The ambassador image .* is not on cluster[ab] and could not be pulled \(.*\); load it on that host, or set AMBASSADOR_IMAGE to an image it has\.$/,
    );
    await expectClean(fx);
    expect(fx.links.all()).toEqual([]);
  });
});
