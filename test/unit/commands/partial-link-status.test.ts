import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { testServices } from "../../support/fakes.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { inSlack, terminalText } from "../../support/shown-text.js";

const admin = inSlack("UADMIN");

describe("a link whose rollback could not remove everything it made", () => {
  it("shows as parts left, with no URL, connection or protection, and a second link is told to finish removing them", async () => {
    const lab = memoryEngine();
    const services = testServices({ lab });
    lab.b.failOn("start container", { statusCode: 500, reason: "no space left on device" });
    lab.b.failOn("remove container", { statusCode: 500, reason: "device or resource busy" });
    const failed = await executeCommand("link app clustera clusterb --web hello-web", admin, services);
    expect(failed.ok).toBe(false);
    const [record] = lab.links.all();
    expect(record?.status).toBe("partial");
    const id = record?.id ?? "";

    const text = terminalText(await executeCommand(`status ${id}`, admin, services));
    expect(text).toContain(`Link ${id}: app clustera -> clusterb`);
    expect(text).toContain("(partial)");
    expect(text).toContain("Parts left:");
    expect(text).toMatch(/on clusterb: (running|created|stopped)/);
    expect(text).not.toMatch(/Protection|Connection|http:\/\//);
    // The user's own container is not a part the link left, nor is what is gone.
    expect(text).not.toContain("container app on clustera");
    expect(text).not.toContain("missing");
    expect(text).toContain(`Next: run teardown ${id} to finish removing what is left of it.`);
    expect(terminalText(await executeCommand("list", admin, services))).not.toContain("http://");

    const again = await executeCommand("link app clustera clusterb --web hello-web", admin, services);
    expect(again).toMatchObject({
      ok: false,
      failure: {
        message: `Link ${id} of "app" on clustera is only parts left (of a teardown or a link cut short); run teardown ${id} to finish removing them, then link again.`,
      },
    });
  });
});
