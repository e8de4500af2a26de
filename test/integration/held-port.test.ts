import { type ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  httpGet,
  startApp,
  tester,
} from "../support/engine-fixture.js";

const run = promisify(execFile);

describe("a source port held by a process outside Docker", () => {
  let fx: EngineFixture;
  let squatter: ChildProcess | undefined;

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
  });

  afterAll(async () => {
    squatter?.kill("SIGKILL");
    await cleanUp(fx);
  });

  it("links on another port the bot chose, which the ambassador keeps when Docker starts it again", async () => {
    const { clustera } = lab();
    squatter = spawn("ip", [
      "netns",
      "exec",
      clustera.netns,
      "socat",
      `TCP-LISTEN:5000,bind=${clustera.ip},fork,reuseaddr`,
      "SYSTEM:echo squatter",
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const linked = await fx.engine.link(
      "app",
      "clustera",
      "clusterb",
      { alias: "helloapp", web: "hello-web" },
      tester,
    );
    const port = linked.connections[0]?.address.split(":")[1];
    expect(port).not.toBe("5000");
    expect(await httpGet(linked.webUrls[0] ?? "")).toContain("Hello World!");
    squatter.kill("SIGKILL");
    // Started again by Docker, as after a reboot of the host: the port the target dials is the one it takes.
    await run("docker", ["restart", "-t", "1", linked.source.name], {
      env: { ...process.env, DOCKER_HOST: `unix://${clustera.socket}` },
    });
    const { stdout } = await run("docker", ["port", linked.source.name, "5000/tcp"], {
      env: { ...process.env, DOCKER_HOST: `unix://${clustera.socket}` },
    });
    expect(stdout.trim()).toBe(`${clustera.ip}:${port}`);
    expect(await httpGet(linked.webUrls[0] ?? "")).toContain("Hello World!");
    expect((await fx.engine.teardown(linked.link.id, tester)).status).toBe("removed");
  });
});
