import { describe, expect, it } from "vitest";
import { runOnce } from "../../../src/terminal/run-once.js";
import { CapturedOutput, testServices } from "../../support/fakes.js";
import { publishedUrl } from "../../support/memory-engine.js";

async function run(line: string, services: ReturnType<typeof testServices>) {
  const stdout = new CapturedOutput();
  const stderr = new CapturedOutput();
  const code = await runOnce(line, services, { stdout, stderr });
  return { code, text: stdout.text };
}

describe("the terminal's text picture of a link", () => {
  it("follows the answers of link and status, with both hosts, the parts, the protection and the health", async () => {
    const services = testServices();
    const linked = await run("link app clustera clusterb --alias helloapp --web hello-web", services);
    expect(linked.code).toBe(0);
    const [link] = services.lab.links.all();
    const web = await publishedUrl(services.lab.b, "web");
    expect(linked.text).toContain(
      `\n\nLink ${link?.id} · helloapp · linked · health: not checked yet\n┌─ clustera source host · 10.0.0.12 ─`,
    );
    expect(linked.text).toContain("│ ✔ app ");
    expect(linked.text).toContain("  ▲ ══ mTLS\n┌─ clusterb target host · 10.0.0.13 ─");
    expect(linked.text).toContain(`│   ${web} `);

    services.lab.b.removeExternally("web");
    const status = await run(`status ${link?.id}`, services);
    expect(status.text).toContain(`Link ${link?.id} · helloapp · status ·`);
    expect(status.text).toContain("│ ✘ web ");
    expect(status.text).toContain("│   consumer · missing ");
  });

  it("is not printed for answers that are not about one link", async () => {
    const services = testServices();
    const { text } = await run("list", services);
    expect(text).not.toContain("┌─");
  });
});
