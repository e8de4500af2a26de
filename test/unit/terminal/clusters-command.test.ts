import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import { type ClustersCommandDeps, runClustersCommand } from "../../../src/terminal/clusters-command.js";
import { engineLikeHandler, startLoopbackServer } from "../../loopback-server.js";
import { openTestStore } from "../../test-store.js";

const actor = { kind: "local" as const, user: "alice" };

function deps(services: Awaited<ReturnType<typeof openTestStore>>): ClustersCommandDeps {
  return { registry: services.registry, clusters: services.clusters, actor, probeTimeoutMs: 500 };
}

function link(id: string, source: string, target: string): LinkRecord {
  return {
    id,
    container: "app",
    alias: "helloapp",
    sourceCluster: source,
    targetCluster: target,
    targets: [{ cluster: target }],
    ports: [5000],
    wiring: "networks",
    connections: [],
    status: "active",
    resources: [],
    createdAt: new Date().toISOString(),
    createdBy: actor,
  };
}

describe("ambassador clusters", () => {
  it("adds, lists, tests and removes a cluster", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    const added = await runClustersCommand(
      [
        "add",
        "local",
        "--host",
        engine.url,
        "--advertise",
        "10.1.2.3",
        "--channel",
        "C0123ABCD",
        "--channel",
        "C0456EFGH",
      ],
      deps(services),
    );
    expect(added.exitCode).toBe(0);
    expect(added.output).toMatch(
      new RegExp(
        `^Added cluster local: ${engine.url}, Docker 20.10.24 \\(API 1.41\\), \\d+ ms.\\nAdvertise address: 10.1.2.3. Channels: C0123ABCD, C0456EFGH.$`,
      ),
    );

    const listed = await runClustersCommand(["list"], deps(services));
    const width = engine.url.length;
    expect(listed).toEqual({
      exitCode: 0,
      output: [
        `NAME   ${"HOST".padEnd(width)}  TLS  ADVERTISE  CHANNELS`,
        `local  ${engine.url}  no   10.1.2.3   C0123ABCD,C0456EFGH`,
      ].join("\n"),
    });
    // Bare, as in Slack, it lists them.
    expect(await runClustersCommand([], deps(services))).toEqual(listed);

    const tested = await runClustersCommand(["test", "local"], deps(services));
    expect(tested.exitCode).toBe(0);
    expect(tested.output).toMatch(/^NAME\s+STATUS\s+ENGINE\s+ROUND TRIP\nlocal\s+ok\s+20\.10\.24\s+\d+ ms$/);

    expect(await runClustersCommand(["remove", "local"], deps(services))).toEqual({
      exitCode: 0,
      output: "Removed cluster local.",
    });
    expect((await runClustersCommand(["list"], deps(services))).output).toContain("No clusters registered.");
    expect(
      (await services.audit.entries()).map((entry) => [entry.action, entry.target, entry.actor]),
    ).toEqual([
      ["cluster.add", "local", actor],
      ["cluster.remove", "local", actor],
    ]);
  });

  it("refuses to remove a cluster that links use, unless forced", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    await runClustersCommand(["add", "a", "--host", engine.url], deps(services));
    await services.links.save(link("lnk-1", "a", "a"));
    const before = await readFile(services.path, "utf8");
    expect(await runClustersCommand(["remove", "a"], deps(services))).toEqual({
      exitCode: 1,
      output: 'error: cluster "a" is used by link lnk-1; tear it down first, or add --force',
    });
    expect(await readFile(services.path, "utf8")).toBe(before);
    const forced = await runClustersCommand(["remove", "a", "--force"], deps(services));
    expect(forced.exitCode).toBe(0);
    expect(forced.output).toContain("Links lnk-1 still refer to it");
    expect((await services.audit.entries()).at(-1)).toMatchObject({
      action: "cluster.remove",
      detail: "forced while used by lnk-1",
    });
  });

  it("reports a failing host in `test` with exit code 1", async () => {
    await using services = await openTestStore();
    await services.registry.add(
      { name: "gone", host: "tcp://127.0.0.1:1", advertise: "127.0.0.1", channels: [] },
      actor,
    );
    const result = await runClustersCommand(["test"], deps(services));
    expect(result.exitCode).toBe(1);
    expect(result.output).toContain(
      "gone  FAILED: nothing listens at tcp://127.0.0.1:1 (connection refused)",
    );
  });

  it("answers usage mistakes with the usage and exit code 2", async () => {
    await using services = await openTestStore();
    const cases: [string[], string][] = [
      [["add", "x"], "error: give exactly one of --docker-env, --host or --context"],
      [["add", "x", "--host", "tcp://127.0.0.1:1", "--context", "c"], "error: give exactly one of"],
      [["add", "--host", "tcp://127.0.0.1:1"], "error: give the cluster a name"],
      [["add", "x", "--docker-env", "e", "--cert-path", "d"], "error: --cert-path goes with --host"],
      [["add", "x", "--hots", "tcp://h"], "error: Unknown option --hots"],
      [["remove"], "error: name the one cluster to remove"],
      [["frobnicate"], 'error: unknown command "clusters frobnicate"'],
    ];
    for (const [args, message] of cases) {
      const result = await runClustersCommand(args, deps(services));
      expect(result.exitCode, args.join(" ")).toBe(2);
      expect(result.output.startsWith(message), `${args.join(" ")} -> ${result.output}`).toBe(true);
      expect(result.output).toContain("usage: ambassador clusters <command>");
    }
  });

  it("answers a person's mistakes with one line and exit code 1", async () => {
    await using services = await openTestStore();
    expect(
      await runClustersCommand(["add", "Bad_Name", "--host", "tcp://127.0.0.1:1"], deps(services)),
    ).toEqual({
      exitCode: 1,
      output:
        'error: "Bad_Name" is not a valid cluster name: use 1-63 lowercase letters, digits or dashes, starting with a letter or digit',
    });
    expect(await runClustersCommand(["test", "nope"], deps(services))).toEqual({
      exitCode: 1,
      output: 'error: no cluster named "nope"; none is registered yet (ambassador clusters add)',
    });
    expect(await runClustersCommand(["remove", "nope"], deps(services))).toEqual({
      exitCode: 1,
      output: 'error: no cluster named "nope"; none is registered yet (ambassador clusters add)',
    });
  });
});
