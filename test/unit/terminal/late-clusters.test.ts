import { describe, expect, it } from "vitest";
import { runOnce } from "../../../src/terminal/run-once.js";
import { CapturedOutput, testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

/** The seed's two hosts plus `clusterc`, which accepts connections and never answers, and `clusterd`. */
function labWithDeadCluster(options: { lateMs?: number } = {}) {
  const lab = memoryEngine({ deadlines: { read: 2_500, answer: 1_000, recheck: 100, ping: 200 } });
  const c = new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" });
  const d = new MemoryDockerHost({ name: "clusterd", advertise: "10.0.0.15", latencyMs: options.lateMs });
  d.run({ name: "app", Image: "hello-app", HostConfig: { PortBindings: { "5000/tcp": [{}] } } });
  lab.clusters.add(c).add(d);
  c.hang();
  return { services: testServices({ lab }), c, d };
}

/** Runs a command at the terminal, noting when its first answer was printed. */
async function run(services: ReturnType<typeof testServices>, line: string) {
  const stdout = new CapturedOutput();
  const started = performance.now();
  let firstMs: number | undefined;
  const write = stdout.write.bind(stdout);
  stdout.write = ((chunk: string, ...rest: never[]) => {
    firstMs ??= performance.now() - started;
    return write(chunk, ...rest);
  }) as typeof stdout.write;
  const code = await runOnce(line, services, { stdout, stderr: new CapturedOutput() });
  return {
    code,
    text: stdout.text,
    firstMs: firstMs ?? Number.POSITIVE_INFINITY,
    totalMs: performance.now() - started,
  };
}

describe("reads across clusters at the terminal", () => {
  it("answer within 1 s with the clusters that answered, name the dead one, and print the rest when it arrives", async () => {
    const { services } = labWithDeadCluster({ lateMs: 1_500 });

    const ports = await run(services, "ports app");

    expect(ports.code).toBe(0);
    expect(ports.firstMs).toBeLessThan(1_300);
    const [first, rest] = ports.text.split("The rest, from clusterc, clusterd:\n");
    expect(first).toContain("app on clustera:");
    expect(first).toMatch(/clusterc: no answer since \d\d:\d\d UTC, still asking/);
    expect(first).toMatch(/clusterd: no answer since \d\d:\d\d UTC, still asking/);
    expect(first).not.toContain("app on clusterd");
    expect(rest).toMatch(/^app on clusterd:\n {2}5000\/tcp -> 10\.0\.0\.15:\d+/m);
    expect(rest).toMatch(/Could not reach clusterc: /);
  });

  it("skip a cluster known to be down, say since when, and ask it again once the background check hears it", async () => {
    const { services, c } = labWithDeadCluster();
    await run(services, "ports app");

    const skipped = await run(services, "ports app");
    expect(skipped.totalMs).toBeLessThan(500);
    expect(skipped.text).toMatch(/clusterc: no answer since \d\d:\d\d UTC\n/);
    expect(skipped.text).not.toContain("still asking");
    expect(skipped.text).not.toContain("The rest");

    const list = await run(services, "list");
    expect(list.totalMs).toBeLessThan(500);
    const clusters = await run(services, "clusters");
    expect(clusters.totalMs).toBeLessThan(500);
    expect(clusters.text).toMatch(/clusterc: .*unreachable: no answer since \d\d:\d\d UTC, channels any/);
    expect(clusters.text).toMatch(/clusterd: .*reachable in/);

    c.up();
    await expect
      .poll(async () => (await run(services, "clusters")).text, { timeout: 2_000, interval: 100 })
      .toMatch(/clusterc: .* reachable in/);
  });
});
