import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab, labDocker, removeTestObjects, testLabel } from "../lab.js";
import { ambassador, type BotProcess, startTerminalBot } from "../support/bot-process.js";
import { httpGet } from "../support/engine-fixture.js";

describe("the terminal while the bot runs, on the lab's TLS hosts", () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let bot: BotProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "amb-live-clusters-"));
    const { SLACK_SIGNING_SECRET, SLACK_BOT_TOKEN, SLACK_APP_TOKEN, ...rest } = process.env;
    env = {
      ...rest,
      AMBASSADOR_STORE: join(dir, "data", "ambassador.json"),
      AMBASSADOR_KEY: randomBytes(32).toString("base64"),
      LOG_LEVEL: "warn",
    };
  });

  afterAll(async () => {
    bot?.child.kill("SIGKILL");
    await removeTestObjects(await labDocker(lab().clustera), await labDocker(lab().clusterb));
    await rm(dir, { recursive: true, force: true });
  });

  it("adds clustera from a second process and the running bot reaches it over TLS at once", async () => {
    bot = await startTerminalBot(env);
    const bundle = lab().clustera.envFile;
    const added = await ambassador(
      ["clusters", "add", "clustera", "--docker-env", "docker.env"],
      dirname(bundle),
      env,
    );
    expect(added.stderr).toBe("");
    expect(added.stdout).toMatch(
      /^Added cluster clustera: tcp:\/\/.*:\d+ over TLS \(server certificate verified\)/,
    );
    const tested = await ambassador(["clusters", "test"], dir, env);
    expect(tested).toMatchObject({ code: 0 });
    expect(tested.stdout).toMatch(/clustera +ok/);
    expect(await bot.ask("clusters", /reachable|unreachable|cannot/)).toMatch(
      /clustera: tcp:\/\/.*reachable in \d+ ms/,
    );
    expect(await bot.ask("ports amb-no-such-container", /ambassador> $/)).toContain(
      "No container named amb-no-such-container on clustera.",
    );
  });

  it("links and tears down from a second process through the running bot, which does the work and keeps the link", async () => {
    if (!bot) throw new Error("the bot did not start");
    const added = await ambassador(
      ["clusters", "add", "clusterb", "--docker-env", lab().clusterb.envFile],
      dir,
      env,
    );
    expect(added).toMatchObject({ code: 0, stderr: "" });
    const a = await labDocker(lab().clustera);
    const source = await a.createContainer({
      Image: "hello-app:latest",
      name: "amb-terminal-app",
      Labels: { [testLabel]: "1" },
    });
    await source.start();

    const linked = await ambassador(
      [
        "link",
        "amb-terminal-app",
        "clustera",
        "clusterb",
        "--alias",
        "helloapp",
        "--web",
        "hello-web",
        "--web-name",
        "amb-terminal-web",
      ],
      dir,
      env,
    );
    expect(linked.stderr).toBe("Linking amb-terminal-app from clustera to clusterb…\n");
    expect(linked.code).toBe(0);
    const url = /^Web: (http:\/\/\S+)$/m.exec(linked.stdout)?.[1];
    expect(url, linked.stdout).toMatch(
      new RegExp(`^http://${lab().clusterb.ip.replaceAll(".", "\\.")}:\\d+$`),
    );
    expect(await httpGet(url ?? "")).toBe('The linked container says ... "Hello World!"\n');
    // The bot made it: its own list knows the link at once.
    expect(await bot.ask("list", /amb-terminal-app/)).toContain("amb-terminal-app");

    const unknown = await ambassador(["lnk", "amb-terminal-app"], dir, env);
    expect(unknown).toMatchObject({ code: 2, stdout: "" });
    expect(unknown.stderr).toMatch(/^Unknown command `lnk`\. /);

    const torn = await ambassador(["teardown", "amb-terminal-app"], dir, env);
    expect(torn).toMatchObject({ code: 0, stderr: "Tearing down amb-terminal-app…\n" });
    // Three containers: the link, mTLS with a consumer it started, made no network.
    expect(torn.stdout).toMatch(/^Tore down link [0-9a-f]{12}: removed 3 objects\./);
    const b = await labDocker(lab().clusterb);
    for (const docker of [a, b]) {
      const left = await docker.listContainers({
        all: true,
        filters: JSON.stringify({ label: ["io.ambassador.link"] }),
      });
      expect(left.filter((c) => c.Names.some((n) => n.includes("amb-terminal")))).toEqual([]);
    }
    expect(await bot.ask("list", /ambassador> $/)).not.toContain("amb-terminal-app");

    bot.child.stdin?.end("exit\n");
    expect(await bot.exited).toBe(0);
  }, 120_000);
});
