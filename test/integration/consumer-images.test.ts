import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import { rejection } from "../support/rejection.js";

/** An image made from hello-web on `docker` that runs `cmd` instead of its own command. */
async function webImageRunning(docker: Docker, tag: string, cmd: string[]): Promise<void> {
  const made = await docker.createContainer({ Image: "hello-web:latest", Labels: { [testLabel]: "1" } });
  try {
    await made.commit({ repo: tag, tag: "latest", changes: [`CMD ${JSON.stringify(cmd)}`] });
  } finally {
    await made.remove({ force: true });
  }
}

describe("consumer images that do not behave as hello-web does", () => {
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
    await webImageRunning(fx.b, "squat-web", [
      "sh",
      "-c",
      "httpd -p 61000 -h /srv/web; exec httpd -f -p 5000 -h /srv/web",
    ]);
    await webImageRunning(fx.b, "exits-web", ["sh", "-c", "echo 'fatal: no configuration'; exit 3"]);
  });

  afterAll(async () => {
    await cleanUp(fx);
    for (const image of ["squat-web", "exits-web"]) {
      await fx.b
        .getImage(image)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });

  it("a consumer that listens on the ambassador's first inner port itself is linked, the route moved past it", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", { web: "squat-web" }, tester);
    expect(await httpGet(result.webUrls[0] ?? "")).toContain('The linked container says ... "Hello World!');
    const logs = (
      await fx.b.getContainer(result.target.name).logs({ stdout: true, stderr: true })
    ).toString();
    expect(logs).toContain(
      "ambassador: the consumer listens on port 61000 itself; route :5000 takes another inner port",
    );
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("a consumer that exits as it starts fails the link with its image, exit code and last words, leaving nothing", async () => {
    const error = await rejection(
      fx.engine.link("app", "clustera", "clusterb", { web: "exits-web" }, tester),
    );
    expect((error as Error).message).toMatch(
      /^Link failed at step "start target ambassador" on clusterb: consumer web \(image exits-web\) stopped as soon as it started \((exit code 3|Docker started it again)\)(, saying "fatal: no configuration")?; check that the image runs on its own \(docker run --rm exits-web\): a link's --web image must keep running\. Nothing of this attempt was left behind\.$/,
    );
    await expectClean(fx);
  });
});
