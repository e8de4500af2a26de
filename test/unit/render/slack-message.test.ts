import { describe, expect, it } from "vitest";
import type { CommandResult } from "../../../src/commands/command.js";
import type { LinkView } from "../../../src/engine/types.js";
import {
  escapeFallback,
  fitBlocks,
  maxBlocks,
  maxSectionText,
  renderSlackFailure,
  renderSlackMessage,
} from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine, publishedUrl } from "../../support/memory-engine.js";

const context = { actor: { kind: "slack" as const, team: "T1", user: "U1" }, channel: "C1" };

/** A link with a consumer, made by the real engine, and where its consumer is published. */
async function linkResult(): Promise<{ command: CommandResult; id: string; web: string }> {
  const lab = memoryEngine();
  const result = await lab.engine.link(
    "app",
    "clustera",
    "clusterb",
    { alias: "helloapp", web: "hello-web" },
    context,
  );
  return { command: { kind: "link", result }, id: result.link.id, web: await publishedUrl(lab.b, "web") };
}

const portOf = (url: string) => url.slice(url.lastIndexOf(":") + 1);

function sectionTexts(blocks: unknown[]): string[] {
  return blocks.flatMap((block) => {
    const b = block as { type: string; text?: { text: string }; elements?: { text: string }[] };
    return [b.text?.text ?? "", ...(b.elements ?? []).map((e) => e.text)];
  });
}

function manyLinks(count: number): LinkView[] {
  return Array.from({ length: count }, (_v, i) => ({
    link: {
      id: `lnk${i}`,
      container: `app${i}`,
      alias: `app${i}`,
      sourceCluster: "clustera",
      targetCluster: "clusterb",
      targets: [{ cluster: "clusterb" }],
      ports: [5000],
      wiring: "networks",
      connections: [],
      status: "active",
      resources: [],
      createdAt: "2026-01-01T00:00:00Z",
      createdBy: context.actor,
      channel: "C1",
    },
    status: "active",
    containers: [{ cluster: "clusterb", role: "target", name: `app${i}-ambassador`, state: "running" }],
  }));
}

describe("renderSlackMessage", () => {
  it("puts the web URL and the docker-port mappings in both the blocks and the fallback text", async () => {
    const { command, id, web } = await linkResult();
    const message = renderSlackMessage(command);
    expect(message.response_type).toBe("in_channel");
    const blocksText = sectionTexts(message.blocks ?? []).join("\n");
    for (const text of [message.text, blocksText]) {
      expect(text).toContain(web);
      expect(text).toContain("5000/tcp -> 10.0.0.12:5000");
      expect(text).toContain(`5000/tcp -> 10.0.0.13:${portOf(web)}`);
    }
    expect(message.text.startsWith(`Linked app from clustera to clusterb as helloapp (link ${id}).`)).toBe(
      true,
    );
  });

  it("shows ports with a URL per binding", async () => {
    const { engine, b } = memoryEngine();
    await engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const web = await publishedUrl(b, "web");
    const message = renderSlackMessage({ kind: "ports", result: await engine.ports("web") });
    expect(message.text).toBe(`web on clusterb:\n  5000/tcp -> 10.0.0.13:${portOf(web)}   ${web}`);
    expect(sectionTexts(message.blocks ?? []).join("\n")).toContain(`5000/tcp -> 10.0.0.13:${portOf(web)}`);
    const none = renderSlackMessage({ kind: "ports", result: await engine.ports("nothing") });
    expect(none.response_type).toBe("ephemeral");
    expect(none.text).toBe("No container named nothing on clustera, clusterb.");
    b.down();
    const half = renderSlackMessage({ kind: "ports", result: await engine.ports("nothing") });
    // A cluster that could not be reached was not searched: it is named only as such.
    expect(half.text.split("\n")[0]).toBe("No container named nothing on clustera.");
    expect(half.text).toContain("Could not reach clusterb");
  });

  it("keeps a long list within 50 blocks and 3,000 characters a section, with a note of what was cut", () => {
    const message = renderSlackMessage({ kind: "list", links: manyLinks(400), channel: "C1" });
    expect(message.blocks?.length).toBe(maxBlocks);
    for (const text of sectionTexts(message.blocks ?? []))
      expect(text.length).toBeLessThanOrEqual(maxSectionText);
    expect(sectionTexts(message.blocks ?? []).at(-1)).toMatch(/… cut: 352 more blocks not shown/);
    expect(message.text.length).toBeLessThanOrEqual(3000);
    expect(message.text).toMatch(/… cut: \d+ more characters not shown\.$/);
  });

  it("shows a long list a page at a time, with a More button for the next page instead of a cut", () => {
    const links = manyLinks(400);
    const first = renderSlackMessage({ kind: "list", links, channel: "C1" }, { line: "list", page: 1 });
    const shown = JSON.stringify(first.blocks);
    expect(shown).toContain(links[19]?.link.id);
    expect(shown).not.toContain(links[20]?.link.id);
    expect(shown).not.toContain("… cut");
    expect(first.text).toContain(links[19]?.link.id);
    expect(first.text).toMatch(/^400 links:/);
    expect(first.text).toMatch(/Showing 1–20 of 400\. More shows the next\.$/);
    const more = first.blocks?.at(-1) as { elements: { action_id: string; value: string }[] };
    expect(more.elements).toEqual([
      expect.objectContaining({ action_id: "more_page", value: JSON.stringify({ page: 2, line: "list" }) }),
    ]);
    const last = renderSlackMessage({ kind: "list", links, channel: "C1" }, { line: "list", page: 20 });
    expect(last.text).toMatch(/Showing 381–400 of 400\.$/);
    expect(JSON.stringify(last.blocks)).not.toContain("more_page");
  });

  it("cuts a section that is too long, noting the cut", () => {
    const huge = "x".repeat(10_000);
    const [block] = fitBlocks([{ type: "section", text: { type: "mrkdwn", text: huge } }]);
    const text = (block as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(maxSectionText);
    expect(text.length).toBeGreaterThan(maxSectionText - 10);
    expect(text).toMatch(/… cut: \d+ more characters not shown\.$/);
  });

  it("splits many mappings into several code sections rather than one too long", async () => {
    // The most ports a link carries, from a host advertised by a long name.
    const { engine, clusters } = memoryEngine();
    const far = "docker-host-1.platform-team.eu-west.example.internal";
    const source = new MemoryDockerHost({ name: "clusterz", advertise: far });
    clusters.add(source);
    source.run({ name: "app", Image: "hello-app" });
    const ports = Array.from({ length: 64 }, (_v, i) => 1000 + i);
    const result = await engine.link("app", "clusterz", "clusterb", { ports }, context);
    const message = renderSlackMessage({ kind: "link", result });
    const texts = sectionTexts(message.blocks ?? []);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(maxSectionText);
    expect(texts.filter((t) => t.startsWith("```")).length).toBeGreaterThan(1);
    expect(texts.join("\n")).toContain(`1063/tcp -> ${far}:1063`);
  });

  it("offers a Tear down button per link when there are several", () => {
    const message = renderSlackMessage({ kind: "teardown-choice", links: manyLinks(3), channel: "C1" });
    expect(message.response_type).toBe("ephemeral");
    const buttons = (message.blocks ?? []).flatMap((b) => {
      const accessory = (b as { accessory?: { type: string; value: string; action_id: string } }).accessory;
      return accessory ? [accessory] : [];
    });
    expect(buttons.map((b) => b.value)).toEqual(["lnk0", "lnk1", "lnk2"]);
    expect(new Set(buttons.map((b) => b.action_id)).size).toBe(3);
    expect(message.text).toContain("/ambassador teardown lnk1");
    const [one, fanned] = manyLinks(2);
    if (!one || !fanned) throw new Error("two links expected");
    fanned.link = { ...fanned.link, targets: [{ cluster: "clusterb" }, { cluster: "clusterc" }] };
    const asked = JSON.stringify(
      renderSlackMessage({ kind: "teardown-choice", links: [one, fanned], channel: "C1" }).blocks,
    );
    expect(asked).toContain("Removes the ambassadors of `lnk0` on both hosts.");
    expect(asked).toContain("Removes the ambassadors of `lnk1` on every host.");
  });

  it("renders a failure as an ephemeral message with the right usage", () => {
    const message = renderSlackFailure({
      message: "Missing <target-cluster>.",
      usage: "link <container>",
      refused: true,
    });
    expect(message).toMatchObject({
      response_type: "ephemeral",
      text: "Missing &lt;target-cluster>.\nUsage: /ambassador link &lt;container>",
    });
    expect(JSON.stringify(message.blocks)).toContain("Missing &lt;target-cluster>.");
  });

  it("escapes what Slack would read as markup, but keeps the bot's own channel mentions", () => {
    expect(escapeFallback("a & b <x> -> <#C0123|ops> <#C0123> <@U1>")).toBe(
      "a &amp; b &lt;x> -> &lt;#C0123|ops> <#C0123> <@U1>",
    );
  });
});

describe("renderText", () => {
  it("renders help from the table with an example each", () => {
    const text = renderText(
      {
        kind: "help",
        entries: [
          {
            name: "ports",
            usage: "ports <container>",
            summary: "Show ports.",
            example: "ports web",
            options: [],
          },
        ],
      },
      { commandPrefix: "/ambassador " },
    );
    expect(text).toBe("/ambassador ports <container>\n    Show ports.\n    example: /ambassador ports web");
  });

  it("says what was left when a teardown was partial", () => {
    const text = renderText({
      kind: "teardown",
      result: {
        linkId: "lnk1",
        status: "partial",
        removed: [{ cluster: "clustera", kind: "container", name: "app-ambassador" }],
        left: [
          {
            cluster: "clusterb",
            kind: "container",
            name: "app-ambassador",
            error: "host unreachable",
            errorWithoutAddress: "host unreachable",
          },
        ],
      },
    });
    expect(text).toContain("Tore down link lnk1 only in part: 1 left. Run `teardown lnk1` again");
    expect(text).toContain("left container app-ambassador on clusterb: host unreachable");
  });

  it("counts as left only what running the teardown again removes, not what it leaves alone for good", () => {
    const unreachable = { error: "host unreachable", errorWithoutAddress: "host unreachable" };
    const alone = "it does not carry link lnk1's label, so the link did not make it; left alone";
    const text = renderText({
      kind: "teardown",
      result: {
        linkId: "lnk1",
        status: "partial",
        removed: [],
        left: [
          { cluster: "clusterb", kind: "container", name: "app-ambassador", ...unreachable },
          {
            cluster: "clustera",
            kind: "container",
            name: "mine",
            error: alone,
            errorWithoutAddress: alone,
            forGood: true,
          },
        ],
      },
    });
    expect(text).toContain("Tore down link lnk1 only in part: 1 left. Run `teardown lnk1` again");
    expect(text).toContain(`left container mine on clustera: ${alone}`);
  });

  it("asks a target's teardown cut short to be run again for that target only, never for the whole link", () => {
    const result = {
      linkId: "lnk1",
      target: "clusterc",
      status: "partial" as const,
      removed: [],
      left: [
        {
          cluster: "clusterc",
          kind: "container",
          name: "app-ambassador",
          error: "host unreachable",
          errorWithoutAddress: "host unreachable",
        },
      ],
    };
    expect(renderText({ kind: "teardown", result })).toContain(
      "Removed target clusterc of link lnk1 only in part: 1 left. Run `teardown lnk1 --target clusterc` again when the host answers.",
    );
    const slack = renderSlackMessage({ kind: "teardown", result });
    expect(JSON.stringify(slack)).toContain(
      "Removed target clusterc of link `lnk1` only in part: 1 left. Run `/ambassador teardown lnk1 --target clusterc` again when the host answers.",
    );
  });
});
