import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ClustersCommandRunner } from "../../../src/terminal/clusters-delegate.js";
import { runRepl } from "../../../src/terminal/repl.js";
import { CapturedOutput, testServices } from "../../support/fakes.js";
import { MemoryClusterDirectory } from "../../support/memory-docker.js";
import { memoryEngine, publishedUrl } from "../../support/memory-engine.js";

async function session(
  lines: string[],
  services = testServices(),
  runClustersCommand?: ClustersCommandRunner,
) {
  const input = new PassThrough();
  const output = new CapturedOutput();
  const done = runRepl(services, {
    input,
    output,
    invocation: { actor: { kind: "local", user: "alice" }, trusted: true },
    runClustersCommand,
  });
  input.end(`${lines.join("\n")}\n`);
  await done;
  return { text: output.text, services };
}

describe("the terminal prompt", () => {
  it("takes the same commands as Slack, with or without /ambassador, and prints the results as text", async () => {
    const { text, services } = await session([
      "/ambassador link app clustera clusterb --alias helloapp --web hello-web",
      "ports web",
      "list",
    ]);
    const [link] = services.lab.links.all();
    const web = await publishedUrl(services.lab.b, "web");
    const webPort = web.slice(web.lastIndexOf(":") + 1);
    expect(text).toContain("Linking app from clustera to clusterb…");
    expect(text).toContain(`Linked app from clustera to clusterb as helloapp (link ${link?.id}).`);
    expect(text).toContain(`Web: ${web}`);
    expect(text).toContain("5000/tcp -> 10.0.0.12:5000");
    expect(text).toContain(`web on clusterb:\n  5000/tcp -> 10.0.0.13:${webPort}   ${web}`);
    expect(text).toContain(`${link?.id}: app clustera -> clusterb as helloapp, web web (active)`);
    expect(services.audit.recorded.map((e) => [e.action, e.outcome, e.actor])).toEqual([
      ["link", "started", { kind: "local", user: "alice" }],
      ["link", "ok", { kind: "local", user: "alice" }],
      ["ports", "ok", { kind: "local", user: "alice" }],
      ["list", "ok", { kind: "local", user: "alice" }],
    ]);
  });

  it("closes once the command it runs has ended when stopped meanwhile, and takes no further line", async () => {
    const services = testServices({ lab: memoryEngine({ latencyMs: 50 }) });
    const input = new PassThrough();
    const output = new CapturedOutput();
    const stopping = new AbortController();
    const done = runRepl(services, { input, output, signal: stopping.signal });
    input.write("link app clustera clusterb\nlist\n");
    await expect.poll(() => output.text).toContain("Linking app");
    stopping.abort();
    await done;
    expect(output.text).toMatch(/Linked app from clustera to clusterb/);
    expect(services.audit.recorded.map((e) => `${e.action} ${e.outcome}`)).toEqual([
      "link started",
      "link ok",
    ]);
  });

  it("opens no prompt when stopped before it opened", async () => {
    const output = new CapturedOutput();
    await runRepl(testServices(), { input: new PassThrough(), output, signal: AbortSignal.abort() });
    expect(output.text).toBe("");
  });

  it("trusts the local user for teardown, and keeps going after an error", async () => {
    const services = testServices();
    const { text } = await session(
      ["link app clustera clusterb", "teardown nope", "link app clustera", "teardown app", "exit", "list"],
      services,
    );
    expect(text).toContain('No link with ID or container "nope".');
    expect(text).toContain(
      "Missing <target-cluster>.\nUsage: link <container> <source-cluster> <target-cluster>",
    );
    expect(text).toMatch(/Tore down link [0-9a-f]{12}: removed 5 objects\./);
    expect(text).not.toContain("No links yet");
    expect(services.lab.links.all()).toEqual([]);
    expect(await services.lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });

  it("hands `clusters <subcommand>` to the store's command", async () => {
    const calls: string[][] = [];
    const runClustersCommand = async (args: string[]) => {
      calls.push(args);
      return { exitCode: 0, output: "clustera added" };
    };
    const { text } = await session(
      ["clusters add clustera --docker-env /x/docker.env", "clusters"],
      testServices(),
      runClustersCommand,
    );
    expect(calls).toEqual([["add", "clustera", "--docker-env", "/x/docker.env"]]);
    expect(text).toContain("clustera added");
    expect(text).toMatch(
      /clustera: tcp:\/\/10\.0\.0\.12:2376 \(TLS\), advertise 10\.0\.0\.12, reachable in \d+ ms \(Docker 20\.10\.24\)/,
    );
  });
});

describe("the terminal prompt with no clusters", () => {
  it("says how to get some: the lab, or clusters add", async () => {
    const { text } = await session(["exit"], testServices({ clusters: new MemoryClusterDirectory([]) }));
    expect(text).toContain("No clusters are registered yet, so there is nothing to link. To get two:");
    expect(text).toContain("run `npm run lab:up` (it registers clustera");
    expect(text).toContain("`clusters add NAME --docker-env /path/to/docker.env`");
  });

  it("says nothing of it once clusters are registered", async () => {
    const { text } = await session(["exit"]);
    expect(text).not.toContain("No clusters are registered yet");
  });
});
