import { describe, expect, it } from "vitest";
import { runOnce } from "../../../src/terminal/run-once.js";
import { CapturedOutput, testServices } from "../../support/fakes.js";

async function run(line: string, services: ReturnType<typeof testServices>) {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const code = await runOnce(line, services, { stdout, stderr });
  return { code, lines: `${stdout.text}${stderr.text}`.split("\n") };
}

describe("a source container renamed after it was linked", () => {
  it("is shown under its new name, with the way back, and the link is active once it is renamed back", async () => {
    const services = testServices();
    expect((await run("link app clustera clusterb --web hello-web", services)).code).toBe(0);
    const app = await services.lab.a.inspectContainer("app");
    await services.lab.a.renameContainer(app?.Id ?? "", "app", "app-old");

    const status = await run("status app-ambassador", services);
    expect(status.lines).toContain("  container app on clustera: missing: renamed to app-old");
    const next = status.lines.find((line) => line.startsWith("Next:"));
    expect(next).toBe(
      "Next: container app on clustera was renamed to app-old; rename it back (docker rename app-old app), or tear this link down and link app-old.",
    );
    expect((await run("list", services)).lines.join("\n")).toContain("clustera app renamed to app-old");
    const repair = await run("repair app-ambassador", services);
    expect(repair.code).toBe(1);
    expect(repair.lines.join("\n")).toMatch(
      /Container "app" on clustera was renamed to app-old; rename it back \(docker rename app-old app\), or tear link \w+ down and link app-old\./,
    );

    await services.lab.a.renameContainer(app?.Id ?? "", "app-old", "app");
    const back = await run("status app-ambassador", services);
    expect(back.code).toBe(0);
    expect(back.lines.find((line) => line.startsWith("Next:"))).toBeUndefined();
  });
});
