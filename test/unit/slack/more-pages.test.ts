import { afterEach, describe, expect, it } from "vitest";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The lab's two clusters and 43 more: 45 in all, more than one page of `clusters`. */
function manyClusters() {
  const lab = memoryEngine();
  for (let i = 1; i <= 43; i++) {
    const name = `extra${String(i).padStart(2, "0")}`;
    lab.clusters.add(new MemoryDockerHost({ name, advertise: `10.0.1.${i}` }));
  }
  return lab;
}

describe("a long list in Slack", () => {
  it("shows a page with its plain-text fallback and a More button that posts the next page", async () => {
    harness = await startSlackHarness({ lab: manyClusters() });
    const reply = await harness.slash("clusters", { user: "UMEMBER" });
    const [first] = await harness.waitForResponses(reply.responseId);
    const text = first?.body.text ?? "";
    expect(text).toContain("clustera:");
    expect(text).toContain("extra38:");
    expect(text).not.toContain("extra39:");
    expect(text).toMatch(/Showing 1–40 of 45\. More shows the next\.$/);
    const more = first?.body.blocks
      ?.flatMap((block) => (block as { elements?: { action_id: string; value: string }[] }).elements ?? [])
      .find((element) => element.action_id === "more_page");
    expect(more).toBeDefined();

    const pressed = await harness.press(
      { action_id: "more_page", value: more?.value ?? "" },
      { user: "UOTHER" },
    );
    const [second] = await harness.waitForResponses(pressed.responseId);
    expect(second?.body.response_type).toBe("in_channel");
    expect(second?.body.text).toContain("extra39:");
    expect(second?.body.text).toContain("extra43:");
    expect(second?.body.text).not.toContain("clustera:");
    expect(second?.body.text).toMatch(/Showing 41–45 of 45\.$/);
    expect(JSON.stringify(second?.body.blocks)).not.toContain("more_page");
    const audit = (await harness.services.audit.entries()).map(
      (entry) => `${entry.action} ${entry.actor.kind === "slack" ? entry.actor.user : ""}`,
    );
    expect(audit).toEqual(["clusters UMEMBER", "clusters UOTHER"]);
  });

  it("runs nothing but a read from a More button, whatever its value says", async () => {
    harness = await startSlackHarness();
    await harness.lab?.engine.link(
      "app",
      "clustera",
      "clusterb",
      {},
      { actor: { kind: "local", user: "op" } },
    );
    const value = JSON.stringify({ page: 2, line: "teardown app" });
    const pressed = await harness.press({ action_id: "more_page", value }, { user: "UADMIN" });
    expect(pressed.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(harness.lab?.links.all()).toHaveLength(1);
    expect(harness.responses.filter((response) => response.id === pressed.responseId)).toEqual([]);
    // Not even checked: a command line it would refuse gets no answer either.
    const refusable = JSON.stringify({ page: 2, line: "link app nowhere elsewhere" });
    const again = await harness.press({ action_id: "more_page", value: refusable }, { user: "UADMIN" });
    expect(again.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(harness.responses.filter((response) => response.id === again.responseId)).toEqual([]);
  });
});
