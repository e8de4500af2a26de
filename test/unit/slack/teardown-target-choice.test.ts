import { afterEach, describe, expect, it } from "vitest";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness;

afterEach(async () => {
  await harness.close();
});

type Button = { action_id: string; value: string; text: { text: string } };

function buttonsOf(blocks: unknown): Button[] {
  return ((blocks ?? []) as { accessory?: Button }[]).flatMap((block) =>
    block.accessory ? [block.accessory] : [],
  );
}

describe("teardown --target with no link named, among several links of the channel", () => {
  it("offers only the links with that target, and a press removes that target alone", async () => {
    const lab = memoryEngine();
    lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }));
    lab.a.run({ name: "api", Image: "hello-app" });
    lab.a.run({ name: "db", Image: "hello-app" });
    harness = await startSlackHarness({ lab, storedLinks: true });
    for (const text of [
      "link app clustera clusterb,clusterc --web hello-web",
      "link api clustera clusterb,clusterc",
      "link db clustera clusterb --port 5000",
    ]) {
      const sent = await harness.slash(text, { user: "UADMIN" });
      const [answer] = await harness.waitForResponses(sent.responseId);
      expect(answer?.body.text, text).toMatch(/^Linked /);
    }
    const idOf = (container: string) =>
      lab.links.all().find((link) => link.container === container)?.id ?? "?";
    const [fanned, other, single] = [idOf("app"), idOf("api"), idOf("db")];

    const asked = await harness.slash("teardown --target clusterc", { user: "UADMIN" });
    const [choice] = await harness.waitForResponses(asked.responseId);
    expect(choice?.body.text).toMatch(
      /^This channel has 2 links with target clusterc; nothing was removed\./,
    );
    const buttons = buttonsOf(choice?.body.blocks);
    expect(buttons.map((button) => button.value).sort()).toEqual(
      [`${fanned}/clusterc`, `${other}/clusterc`].sort(),
    );
    expect(JSON.stringify(choice?.body.blocks)).not.toContain(single);
    expect(buttons.every((button) => button.text.text === "Remove target")).toBe(true);

    const wider = await harness.slash("teardown --target clusterb", { user: "UADMIN" });
    const [all] = await harness.waitForResponses(wider.responseId);
    const labelled = Object.fromEntries(
      buttonsOf(all?.body.blocks).map((each) => [each.value, each.text.text]),
    );
    // A link with no other target is torn down whole, and its button says so.
    expect(labelled).toEqual({
      [`${fanned}/clusterb`]: "Remove target",
      [`${other}/clusterb`]: "Remove target",
      [single]: "Tear down",
    });

    const button = buttons.find((each) => each.value.startsWith(`${fanned}/`)) as Button;
    const pressed = await harness.press(button, { user: "UADMIN" });
    const answers = await harness.waitForResponses(pressed.responseId, 2);
    expect(answers.at(-1)?.body.text).toMatch(
      new RegExp(`Removed target \\*?clusterc\\*? of link \`?${fanned}`),
    );
    expect(lab.links.get(fanned)?.targets.map((target) => target.cluster)).toEqual(["clusterb"]);
    expect(lab.links.all()).toHaveLength(3);
  });

  it("says so when no link of the channel has that target, and removes nothing", async () => {
    harness = await startSlackHarness();
    const sent = await harness.slash("link app clustera clusterb", { user: "UADMIN" });
    await harness.waitForResponses(sent.responseId);
    const asked = await harness.slash("teardown --target clusterc", { user: "UADMIN" });
    const [answer] = await harness.waitForResponses(asked.responseId);
    expect(answer?.body.text).toContain("This channel has no links with target clusterc.");
    expect(harness.lab?.links.all()).toHaveLength(1);
  });
});
