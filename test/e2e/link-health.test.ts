import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultBackend } from "../../src/app-context.js";
import type { LinkRepository } from "../../src/domain/link.js";
import type { LinkMonitor } from "../../src/monitor/link-monitor.js";
import { type LabHost, lab, labDocker } from "../lab.js";
import { cleanUp, httpGet, startApp } from "../support/engine-fixture.js";
import { startEngines, stopEngine } from "../support/lab-engines.js";
import { type SlackHarness, startSlackHarness } from "../support/slack-harness.js";

const run = promisify(execFile);
const intervalMs = 2_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function removeByHand(host: LabHost, name: string): Promise<void> {
  await run("docker", ["rm", "-f", name], { env: { ...process.env, DOCKER_HOST: `unix://${host.socket}` } });
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${what}`);
    await sleep(50);
  }
}

describe("links that watch themselves, over Slack on the lab", () => {
  let harness: SlackHarness;
  let monitor: LinkMonitor;
  let links: LinkRepository;
  let a: Docker;
  let b: Docker;
  let dir: string;

  /** What the bot posted with chat.postMessage to a channel, in order. */
  const posted = (channel: string) =>
    harness.apiCalls
      .filter((call) => call.method === "chat.postMessage")
      .map((call) => new URLSearchParams(call.body))
      .filter((params) => params.get("channel") === channel)
      .map((params) => params.get("text") ?? "");

  const command = async (text: string, channel: string) => {
    const reply = await harness.slash(text, { channel });
    const ack = typeof reply.body === "string" ? reply.body : (reply.body.text ?? "");
    if (!ack.endsWith("…")) throw new Error(`"${text}" was answered at once: ${ack}`);
    const [answer] = await harness.waitForResponses(reply.responseId, 1, 60_000);
    return answer?.body.text ?? "";
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ambassador-health-"));
    harness = await startSlackHarness({
      backend: defaultBackend,
      env: {
        AMBASSADOR_STORE: join(dir, "store.json"),
        AMBASSADOR_KEY: randomBytes(32).toString("base64"),
        AMBASSADOR_CHECK_INTERVAL: String(intervalMs / 1000),
        LOG_LEVEL: "info",
      },
    });
    if (!harness.bot.monitor || !harness.services.links) throw new Error("the bot started no monitor");
    monitor = harness.bot.monitor;
    links = harness.services.links;
    for (const name of ["clustera", "clusterb"] as const) {
      const added = await harness.services.runClustersCommand?.([
        "add",
        name,
        "--docker-env",
        lab()[name].envFile,
      ]);
      expect(added?.exitCode, added?.output).toBe(0);
    }
    // Host A under a second name, for a link that stays on host A: its target reaches the source's published port
    // through Docker's hairpin, from an address of host A's own networks, so that name admits any address.
    const local = await harness.services.runClustersCommand?.([
      "add",
      "clustera-local",
      "--docker-env",
      lab().clustera.envFile,
      "--egress",
      "0.0.0.0/0",
    ]);
    expect(local?.exitCode, local?.output).toBe(0);
    a = await labDocker(lab().clustera);
    b = await labDocker(lab().clusterb);
    await cleanUp({ a, b, engine: harness.services.engine, links });
    await startApp(a, "app");
    await startApp(a, "app2");
  }, 60_000);

  afterAll(async () => {
    await startEngines(lab());
    await cleanUp({ a, b, engine: harness.services.engine, links });
    await harness.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it("alerts once when an ambassador is removed, repairs it on request, and says once that it works again", async () => {
    const made = await command("link app clustera clusterb --alias helloapp --web hello-web:latest", "CWEB");
    const linkId = /\(link ([0-9a-f]+)\)/.exec(made)?.[1] ?? "";
    const webUrl = /^Web: (\S+)$/m.exec(made)?.[1] ?? "";
    expect(linkId, made).not.toBe("");
    expect(await httpGet(webUrl)).toContain("Hello World!");
    await until("a healthy check", () => monitor.health(linkId)?.state === "healthy", 3 * intervalMs);

    const target = links.get(linkId)?.resources.find((r) => r.role === "target")?.name ?? "";
    await removeByHand(lab().clusterb, target);
    const removedAt = Date.now();
    await until("the alert", () => posted("CWEB").length > 0, 3 * intervalMs);
    expect(Date.now() - removedAt).toBeLessThanOrEqual(2 * intervalMs);
    const [alert] = posted("CWEB");
    expect(alert).toContain(`Link ${linkId} (app: clustera → clusterb) is broken`);
    expect(alert).toContain(`target ambassador ${target} on clusterb is missing`);

    const status = await command(`status ${linkId}`, "CWEB");
    expect(status).toContain(`Health: broken since ${monitor.health(linkId)?.since}`);
    expect(status).toContain(`target ambassador ${target} on clusterb: missing`);

    await sleep(2 * intervalMs);
    expect(posted("CWEB")).toHaveLength(1);

    const repaired = await command(`repair ${linkId}`, "CWEB");
    expect(repaired).toContain(`Repaired link ${linkId}: recreated 1 part.`);
    expect(repaired).toContain("recreated target ambassador");
    expect(repaired).toContain("on clusterb (missing)");
    expect(await httpGet(webUrl)).toContain("Hello World!");
    await until("the recovery message", () => posted("CWEB").length > 1, 3 * intervalMs);
    await sleep(2 * intervalMs);
    expect(posted("CWEB")).toHaveLength(2);
    expect(posted("CWEB")[1]).toBe(
      `:white_check_mark: Link ${linkId} (app: clustera → clusterb) works again.`,
    );
    const listed = await command("list", "CWEB");
    expect(listed).toMatch(/health healthy since \S+, last check \S+/);
  }, 90_000);

  it("reports a link broken when host B's engine stops, and keeps checking a link on host A on time", async () => {
    const local = await harness.services.engine.link(
      "app2",
      "clustera",
      "clustera-local",
      { alias: "helloapp2" },
      {
        actor: { kind: "slack", team: "T1", user: "UADMIN" },
        channel: "CLOCAL",
      },
    );
    const localId = local.link.id;
    const webLink = links.all().find((link) => link.targetCluster === "clusterb");
    if (!webLink?.channel) throw new Error("the first test made no link to clusterb");
    await until("a healthy check", () => monitor.health(localId)?.state === "healthy", 3 * intervalMs);
    const before = posted(webLink.channel).length;

    await stopEngine(lab().clusterb);
    const checks: number[] = [];
    const deadline = Date.now() + 4 * intervalMs;
    while (Date.now() < deadline) {
      const last = Date.parse(monitor.health(localId)?.lastCheck ?? "");
      if (checks.at(-1) !== last) checks.push(last);
      await sleep(100);
    }
    await until(
      "the alert for clusterb",
      () => posted(webLink.channel ?? "").length > before,
      3 * intervalMs,
    );

    const alerts = posted(webLink.channel).slice(before);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toContain(`Link ${webLink.id}`);
    // dockerd stops its containers before its API goes away, so the first check may see them stopped.
    expect(alerts[0]).toMatch(/on clusterb is stopped|clusterb cannot be reached/);
    await until(
      "clusterb named unreachable",
      () => monitor.health(webLink.id)?.problems.some((p) => p.startsWith("clusterb cannot be reached")),
      3 * intervalMs,
    );
    expect(monitor.health(webLink.id)?.state).toBe("broken");
    const refused = await command(`repair ${webLink.id}`, webLink.channel);
    expect(refused).toMatch(
      new RegExp(
        `^Cannot repair link ${webLink.id}: clusterb does not answer \\(.+\\); run repair again once it is back\\.$`,
      ),
    );
    // The link on host A was checked every interval while host B did not answer.
    expect(checks.length).toBeGreaterThanOrEqual(4);
    const gaps = checks.slice(1).map((at, index) => at - (checks[index] ?? at));
    for (const gap of gaps) expect(gap).toBeLessThan(intervalMs * 1.5);
    expect(monitor.health(localId)?.state).toBe("healthy");
    expect(posted("CLOCAL")).toEqual([]);

    await startEngines(lab());
    await until("the recovery message", () => posted(webLink.channel ?? "").length > before + 1, 30_000);
    await sleep(intervalMs);
    expect(posted(webLink.channel).slice(before)).toHaveLength(2);
    expect(posted(webLink.channel).at(-1)).toContain(`Link ${webLink.id}`);
    expect(posted(webLink.channel).at(-1)).toContain("works again");
  }, 90_000);
});
