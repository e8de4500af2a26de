import { describe, expect, it } from "vitest";
import { executeCommand } from "../../../src/commands/execute.js";
import { testServices } from "../../support/fakes.js";
import { leaveUnrecorded, memoryEngine } from "../../support/memory-engine.js";
import { inSlack, terminalText } from "../../support/shown-text.js";

const operator = { actor: { kind: "local" as const, user: "op" } };

/** A link of app from clustera to clusterb, made by the real engine over in-memory hosts. */
async function linked(options: { web?: string } = {}) {
  const lab = memoryEngine();
  const { link } = await lab.engine.link("app", "clustera", "clusterb", options, operator);
  return { lab, link, services: testServices({ lab }) };
}

/** `status` of the link as an admin in Slack reads it, in the terminal's words. */
async function statusText(services: ReturnType<typeof testServices>, id: string): Promise<string> {
  return terminalText(await executeCommand(`status ${id}`, inSlack("UADMIN"), services));
}

describe("status of a link a repair was cut short on", () => {
  it("names the running containers that carry its label outside its record beside the recorded ones missing, and repair removes them", async () => {
    const { lab, link, services } = await linked({ web: "hello-web" });
    // The repair removed the recorded target ambassador and made its replacement, then was killed before it saved.
    lab.b.removeExternally("app-ambassador");
    leaveUnrecorded(lab.b, link.id, "app-ambassador-4");
    const status = () => statusText(services, link.id);
    const before = await status();
    expect(before).toContain("target ambassador app-ambassador on clusterb: missing");
    expect(before).toContain(
      `Carrying its label, not in its record (left by a repair that failed or was cut short; repair ${link.id} removes them):\n  target ambassador app-ambassador-4 on clusterb: running`,
    );
    expect(before).toContain(
      `Next: run repair ${link.id} to make again target ambassador app-ambassador on clusterb (missing).`,
    );

    const repaired = await lab.engine.repair(link.id, operator);
    expect(repaired.cleared).toEqual([
      expect.objectContaining({ cluster: "clusterb", name: "app-ambassador-4" }),
    ]);
    const after = await status();
    expect(after).not.toContain("not in its record");
    expect(after).toContain("(active)");
  });

  it("with every recorded part running, says repair removes what is outside its record", async () => {
    const { lab, link, services } = await linked();
    leaveUnrecorded(lab.a, link.id, "app-ambassador-2", "source");
    const text = await statusText(services, link.id);
    expect(text).toContain("  source ambassador app-ambassador-2 on clustera: running");
    expect(text).toContain(
      `Next: run repair ${link.id} to remove what carries its label outside its record.`,
    );
  });
});
