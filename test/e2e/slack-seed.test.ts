import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBackend } from "../../src/app-context.js";
import { labelKeys } from "../../src/engine/labels.js";
import { lab, labDocker, testLabel } from "../lab.js";
import { type SlackHarness, startSlackHarness } from "../support/slack-harness.js";

/** The seed tutorial, typed in a Slack channel, against the lab's two real Docker Engines. */
describe("the seed tutorial through Slack", () => {
  let harness: SlackHarness;
  let hostA: Docker;
  let hostB: Docker;
  let folder: string;

  const ownedBy = async (docker: Docker) =>
    docker.listContainers({ all: true, filters: JSON.stringify({ label: [labelKeys.link] }) });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "ambassador-seed-"));
    harness = await startSlackHarness({
      backend: defaultBackend,
      env: { AMBASSADOR_STORE: join(folder, "store.json"), LOG_LEVEL: "info" },
    });
    const register = harness.services.runClustersCommand;
    if (!register) throw new Error("the real backend has no clusters command");
    for (const name of ["clustera", "clusterb"] as const) {
      const added = await register(["add", name, "--docker-env", lab()[name].envFile]);
      expect(added.exitCode, added.output).toBe(0);
    }
    hostA = await labDocker(lab().clustera);
    hostB = await labDocker(lab().clusterb);
    const app = await hostA.createContainer({
      Image: "hello-app:latest",
      name: "app",
      Labels: { [testLabel]: "1" },
    });
    await app.start();
  });

  afterAll(async () => {
    await hostA?.getContainer("app").remove({ force: true });
    await harness?.bot.shutdown();
    await harness?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("links, answers Hello World! at the posted URL, shows the ports, and tears down to nothing", async () => {
    const link = await harness.slash("link app clustera clusterb --alias helloapp --web hello-web");
    expect(link.status).toBe(200);
    expect(link.elapsedMs).toBeLessThan(3_000);
    expect(link.body).toMatchObject({
      response_type: "ephemeral",
      text: expect.stringContaining("Linking app"),
    });

    const [result] = await harness.waitForResponses(link.responseId, 1, 60_000);
    expect(result?.body.response_type).toBe("in_channel");
    const text = result?.body.text ?? "";
    const url = /http:\/\/10\.213\.\d+\.3:\d+/.exec(text)?.[0];
    expect(url, text).toBeDefined();
    expect(JSON.stringify(result?.body.blocks)).toContain(url);
    expect(text).toMatch(new RegExp(`5000/tcp -> ${lab().clustera.ip.replaceAll(".", "\\.")}:\\d+`));

    const page = await (await fetch(url as string)).text();
    expect(page).toContain('The linked container says ... "Hello World!"');

    // The picture of the lab's link follows the answer, into the command's channel.
    const shared = new URLSearchParams(
      (await harness.waitForApiCall("files.completeUploadExternal", 30_000)).body,
    );
    expect(shared.get("channel_id")).toBe("C1");
    const png = harness.uploads[0]?.bytes ?? Buffer.alloc(0);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.length).toBeLessThanOrEqual(200 * 1024);
    expect(
      new URLSearchParams(harness.apiCalls.find((c) => c.method === "files.getUploadURLExternal")?.body).get(
        "alt_txt",
      ),
    ).toMatch(/^Link \w+: app on clustera reached as helloapp on clusterb, mTLS, health /);

    const ports = await harness.slash("ports web");
    const [portsResult] = await harness.waitForResponses(ports.responseId, 1, 30_000);
    const web = await hostB.getContainer("web").inspect();
    const published = web.NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort;
    expect(portsResult?.body.text).toContain(`5000/tcp -> ${lab().clusterb.ip}:${published}`);
    expect(url).toBe(`http://${lab().clusterb.ip}:${published}`);

    const teardown = await harness.slash("teardown");
    const [torn] = await harness.waitForResponses(teardown.responseId, 1, 60_000);
    expect(torn?.body.response_type).toBe("in_channel");
    expect(torn?.body.text).toContain("Tore down");
    expect(await ownedBy(hostA)).toEqual([]);
    expect(await ownedBy(hostB)).toEqual([]);
    expect((await hostA.getContainer("app").inspect()).State.Running).toBe(true);
  });

  it("refuses a person who is not an admin, and makes nothing", async () => {
    const reply = await harness.slash("link app clustera clusterb --web hello-web", { user: "UGUEST" });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ response_type: "ephemeral" });
    expect(JSON.stringify(reply.body)).toMatch(/admin/i);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await ownedBy(hostA)).toEqual([]);
    expect(await ownedBy(hostB)).toEqual([]);
  });

  it("answers a bad signature with a bare 401 and does nothing", async () => {
    const reply = await harness.slash("link app clustera clusterb", { secret: "not-the-secret" });
    expect(reply.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await ownedBy(hostA)).toEqual([]);
  });

  it("acknowledges within 3 seconds while both Docker Engines are frozen, then finishes the link", async () => {
    const pids = await Promise.all(
      [lab().clustera, lab().clusterb].map(async (host) =>
        Number((await readFile(host.pidfile, "utf8")).trim()),
      ),
    );
    for (const pid of pids) process.kill(pid, "SIGSTOP");
    let reply: Awaited<ReturnType<SlackHarness["slash"]>>;
    try {
      reply = await harness.slash("link app clustera clusterb --alias helloapp");
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      expect(harness.responses.filter((r) => r.id === reply.responseId)).toEqual([]);
    } finally {
      for (const pid of pids) process.kill(pid, "SIGCONT");
    }
    expect(reply.status).toBe(200);
    expect(reply.elapsedMs).toBeLessThan(3_000);
    const [result] = await harness.waitForResponses(reply.responseId, 1, 60_000);
    expect(result?.body.response_type).toBe("in_channel");
    expect(result?.body.text).toContain("Linked app from clustera to clusterb");

    const teardown = await harness.slash("teardown app");
    await harness.waitForResponses(teardown.responseId, 1, 60_000);
    expect(await ownedBy(hostA)).toEqual([]);
    expect(await ownedBy(hostB)).toEqual([]);
  });
});
