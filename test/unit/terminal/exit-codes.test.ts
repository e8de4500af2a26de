import { describe, expect, it } from "vitest";
import { runOnce } from "../../../src/terminal/run-once.js";
import { CapturedOutput, testServices } from "../../support/fakes.js";

async function run(line: string, services: ReturnType<typeof testServices>) {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const code = await runOnce(line, services, { stdout, stderr });
  return { code, text: stdout.text + stderr.text };
}

describe("a one-shot command's exit code, as a script sees it", () => {
  it("is 1 for a teardown that left parts on a host that did not answer, and 0 once a second one finishes", async () => {
    const services = testServices();
    expect((await run("link app clustera clusterb --web hello-web", services)).code).toBe(0);
    services.lab.b.down();
    const partial = await run("teardown app", services);
    expect(partial.text).toMatch(/^Tore down link \w+ only in part: \d+ left\./m);
    expect(partial.code).toBe(1);
    services.lab.b.up();
    const finished = await run("teardown app", services);
    expect(finished.text).toMatch(/^Tore down link \w+: removed \d+ objects?\./m);
    expect(finished.code).toBe(0);
  });

  it("is 1 for ports of a container no cluster has, and for a teardown that chose none of several links", async () => {
    const services = testServices();
    expect((await run("ports app", services)).code).toBe(0);
    const missing = await run("ports nosuch", services);
    expect(missing.text).toMatch(/^No container named nosuch on /m);
    expect(missing.code).toBe(1);
    expect((await run("link app clustera clusterb --web hello-web", services)).code).toBe(0);
    expect((await run("link app clustera clusterb --alias other", services)).code).toBe(0);
    const choice = await run("teardown", services);
    expect(choice.text).toContain("links; nothing was removed.");
    expect(choice.code).toBe(1);
  });

  it("is 1 for the status of a link that does not carry or whose host did not answer, and 0 once it is repaired", async () => {
    const services = testServices();
    expect((await run("link app clustera clusterb --web hello-web", services)).code).toBe(0);
    const working = await run("status app", services);
    expect(working.text).toMatch(/^Link \w+: .*\(active\)$/m);
    expect(working.code).toBe(0);
    services.lab.b.kill("app-ambassador");
    const broken = await run("status app", services);
    expect(broken.text).toMatch(/^Link \w+: .*\(broken\)$/m);
    expect(broken.code).toBe(1);
    expect((await run("repair app", services)).code).toBe(0);
    expect((await run("status app", services)).code).toBe(0);
    services.lab.b.down();
    const unread = await run("status app", services);
    expect(unread.text).toMatch(/target ambassador app-ambassador on clusterb: unreachable/);
    expect(unread.code).toBe(1);
  });

  it("is 0 for the status of a link repaired since a check found it broken, and 1 while that check is the last word", async () => {
    const services = testServices();
    expect((await run("link app clustera clusterb --web hello-web", services)).code).toBe(0);
    services.lab.b.kill("app-ambassador");
    const [link] = services.lab.links.all();
    if (!link) throw new Error("no link");
    const at = new Date().toISOString();
    const problems = ["target ambassador app-ambassador on clusterb is stopped"];
    await services.lab.links.save({
      ...link,
      health: { state: "broken", since: at, lastCheck: at, problems },
    });
    expect((await run("status app", services)).code).toBe(1);
    expect((await run("repair app", services)).code).toBe(0);
    const after = await run("status app", services);
    expect(after.text).toMatch(/^Link \w+: .*\(active\)$/m);
    expect(after.code).toBe(0);
  });

  it("is 1 for a repair that could not remove a container it replaced", async () => {
    const services = testServices();
    expect((await run("link app clustera clusterb", services)).code).toBe(0);
    services.lab.b.stop("app-ambassador");
    services.lab.b.failOn("remove container", { statusCode: 500, reason: "device or resource busy" });
    const repaired = await run("repair app", services);
    expect(repaired.text).toContain("could not remove the replaced app-ambassador on clusterb");
    expect(repaired.code).toBe(1);
  });

  it("is 2 for a command line that is wrong, and 1 for a command that failed", async () => {
    const services = testServices();
    expect((await run("link app clustera", services)).code).toBe(2);
    expect((await run("teardown nothing-here", services)).code).toBe(1);
  });
});
