import { describe, expect, it } from "vitest";
import type { Invocation } from "../../../src/commands/command.js";
import { executeCommand, type Outcome } from "../../../src/commands/execute.js";
import { renderSlackFailure, renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { localInvocation } from "../../../src/terminal/local-invocation.js";
import { testServices } from "../../support/fakes.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

/** Someone in a Slack channel; not an admin, since reads are open to everyone. */
const member = (channel: string): Invocation => ({
  actor: { kind: "slack", team: "T1", user: "UMEMBER" },
  channel,
  trusted: false,
});

/** What Slack would show: the message and whether the channel sees it. */
function inSlack(outcome: Outcome) {
  const message = outcome.ok ? renderSlackMessage(outcome.result) : renderSlackFailure(outcome.failure);
  return { visibility: message.response_type, text: JSON.stringify(message) };
}

/** A link from clustera to clusterb, where clusterb may only be used from channel CALLOWED. */
async function boundLab() {
  const lab = memoryEngine();
  const services = testServices({ engine: lab.engine, clusters: lab.clusters });
  const made = await executeCommand(
    "link app clustera clusterb --web hello-web",
    localInvocation("operator"),
    services,
  );
  if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
  lab.clusters.setChannels("clusterb", ["CALLOWED"]);
  return { ...lab, services, link: made.result.result.link };
}

/** The refusal names neither the cluster it keeps from this channel nor the channels that cluster is bound to. */
const refusal =
  /^This needs a cluster this channel may not use\. Run it in a channel it is bound to, or ask an operator to add this channel \(`ambassador clusters add <cluster> … --channel COTHER`\)\.$/;
const hiddenNames = ["clusterb", "CALLOWED"];

describe("a cluster bound to channels shows its data only in those channels", () => {
  it("refuses `ports --cluster` for it elsewhere, only to the person who asked", async () => {
    const { services } = await boundLab();
    const outcome = await executeCommand("ports web --cluster clusterb", member("COTHER"), services);
    expect(outcome).toMatchObject({ ok: false, failure: { refused: true } });
    if (!outcome.ok) expect(outcome.failure.message).toMatch(refusal);
    const shown = inSlack(outcome);
    expect(shown.visibility).toBe("ephemeral");
    expect(shown.text).not.toContain("10.0.0.13");
    for (const hidden of hiddenNames) expect(shown.text).not.toContain(hidden);

    const allowed = inSlack(
      await executeCommand("ports web --cluster clusterb", member("CALLOWED"), services),
    );
    expect(allowed.visibility).toBe("in_channel");
    expect(allowed.text).toMatch(/http:\/\/10\.0\.0\.13:\d+/);
  });

  it("searches only the clusters this channel may see, and says how many were left out", async () => {
    const { services } = await boundLab();
    const elsewhere = await executeCommand("ports app-ambassador", member("COTHER"), services);
    expect(elsewhere).toMatchObject({ ok: true, result: { kind: "ports", hidden: 1 } });
    if (!elsewhere.ok || elsewhere.result.kind !== "ports") throw new Error("no ports result");
    expect(elsewhere.result.result.searched).toEqual(["clustera"]);
    expect(elsewhere.result.result.found.map((f) => f.cluster)).toEqual(["clustera"]);
    const text = renderText(elsewhere.result);
    expect(text).toContain("1 cluster not searched: not allowed in this channel.");
    expect(text).not.toContain("10.0.0.13");

    const web = inSlack(await executeCommand("ports web", member("COTHER"), services));
    expect(web.visibility).toBe("ephemeral");
    expect(web.text).toContain("No container named `web` on clustera.");
    expect(web.text).not.toContain("10.0.0.13");

    const there = await executeCommand("ports app-ambassador", member("CALLOWED"), services);
    if (!there.ok || there.result.kind !== "ports") throw new Error("no ports result");
    expect(there.result.result.found.map((f) => f.cluster)).toEqual(["clustera", "clusterb"]);
    expect(renderText(there.result)).not.toContain("not searched");
  });

  it("lists only the links whose both clusters allow this channel; the terminal sees every link", async () => {
    const { services, link } = await boundLab();
    const ids = async (invocation: Invocation) => {
      const outcome = await executeCommand("list", invocation, services);
      if (!outcome.ok || outcome.result.kind !== "list") throw new Error(JSON.stringify(outcome));
      return outcome.result.links.map((view) => view.link.id);
    };
    expect(await ids(member("COTHER"))).toEqual([]);
    expect(inSlack(await executeCommand("list", member("COTHER"), services)).text).not.toContain(link.id);
    expect(await ids(member("CALLOWED"))).toEqual([link.id]);
    expect(await ids(localInvocation("operator"))).toEqual([link.id]);
  });

  it("keeps a link hidden from every channel once its bound cluster is removed; the terminal still sees it", async () => {
    const { services, link, clusters } = await boundLab();
    clusters.remove("clusterb");
    const admin: Invocation = { ...member("COTHER"), actor: { kind: "slack", team: "T1", user: "UADMIN" } };
    for (const invocation of [member("COTHER"), member("CALLOWED"), admin]) {
      const listed = await executeCommand("list", invocation, services);
      expect(inSlack(listed).text).not.toContain(link.id);
      const status = await executeCommand(`status ${link.id}`, invocation, services);
      expect(status.ok).toBe(false);
      expect(inSlack(status).visibility).toBe("ephemeral");
      expect(inSlack(status).text).toContain(
        "is no longer registered; act on its links from the bot's terminal",
      );
      expect(inSlack(status).text).not.toContain("app-ambassador");
      expect(inSlack(status).text).not.toContain("clusterb");
    }
    const local = await executeCommand("list", localInvocation("operator"), services);
    expect(local.ok && renderText(local.result)).toContain(link.id);
  });

  it("refuses `status` elsewhere however the link is named, as teardown does", async () => {
    const { services, link } = await boundLab();
    for (const ref of [link.id, "app", "web", "app-ambassador"]) {
      const outcome = await executeCommand(`status ${ref}`, member("COTHER"), services);
      expect(outcome, ref).toMatchObject({ ok: false, failure: { refused: true } });
      if (!outcome.ok) expect(outcome.failure.message).toMatch(refusal);
      const shown = inSlack(outcome);
      expect(shown.visibility).toBe("ephemeral");
      expect(shown.text).not.toContain("10.0.0.13");
      for (const hidden of [...hiddenNames, link.id]) expect(shown.text, ref).not.toContain(hidden);
    }
    expect(await executeCommand(`status ${link.id}`, member("CALLOWED"), services)).toMatchObject({
      ok: true,
      result: { kind: "status", view: { link: { id: link.id } } },
    });
  });

  it("names `app` among the links this channel may see, never those on clusters bound elsewhere", async () => {
    const lab = await boundLab();
    lab.clusters.add(new MemoryDockerHost({ name: "clusterc", advertise: "10.0.0.14" }));
    const made = await executeCommand(
      "link app clustera clusterc",
      localInvocation("operator"),
      lab.services,
    );
    if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
    const open = made.result.result.link;

    const elsewhere = await executeCommand("status app", member("COTHER"), lab.services);
    expect(elsewhere).toMatchObject({
      ok: true,
      result: { kind: "status", view: { link: { id: open.id } } },
    });
    expect(inSlack(elsewhere).text).not.toContain(lab.link.id);

    for (const invocation of [member("CALLOWED"), localInvocation("operator")]) {
      const there = await executeCommand("status app", invocation, lab.services);
      expect(there).toMatchObject({ ok: false, failure: { refused: false } });
      if (!there.ok) {
        expect(there.failure.message).toContain(`${lab.link.id}: app clustera -> clusterb`);
        expect(there.failure.message).toContain(`${open.id}: app clustera -> clusterc`);
      }
    }

    const admin: Invocation = { ...member("COTHER"), actor: { kind: "slack", team: "T1", user: "UADMIN" } };
    const torn = await executeCommand("teardown app", admin, lab.services);
    expect(torn).toMatchObject({ ok: true, result: { kind: "teardown", result: { linkId: open.id } } });
    expect(lab.links.get(lab.link.id)).toBeDefined();
  });

  it("answers as if nothing matched when every link a name matches is on a cluster bound elsewhere", async () => {
    const lab = await boundLab();
    const made = await executeCommand(
      "link app clustera clusterb --web hello-web --web-name web2",
      localInvocation("operator"),
      lab.services,
    );
    if (!made.ok || made.result.kind !== "link") throw new Error(`link failed: ${JSON.stringify(made)}`);
    const nothing = await executeCommand("status nothing", member("COTHER"), lab.services);
    if (nothing.ok) throw new Error("status nothing found a link");
    const elsewhere = await executeCommand("status app", member("COTHER"), lab.services);
    expect(elsewhere).toEqual({
      ok: false,
      failure: { ...nothing.failure, message: nothing.failure.message.replace('"nothing"', '"app"') },
    });
    const shown = inSlack(elsewhere).text;
    for (const hidden of [lab.link.id, made.result.result.link.id, "clusterb"]) {
      expect(shown).not.toContain(hidden);
    }
  });

  it("shows in Slack only the clusters visible there, never a Docker API URL; the terminal shows them all", async () => {
    const { services } = await boundLab();
    const elsewhere = inSlack(await executeCommand("clusters", member("COTHER"), services));
    expect(elsewhere.text).toContain("clustera: reachable in");
    expect(elsewhere.text).not.toContain("clusterb");
    expect(elsewhere.text).not.toContain("CALLOWED");
    expect(elsewhere.text).toContain("1 cluster not shown: not allowed in this channel.");
    for (const channel of ["COTHER", "CALLOWED"]) {
      const text = inSlack(await executeCommand("clusters", member(channel), services)).text;
      expect(text).not.toMatch(/tcp:\/\/|10\.0\.0\.1[23]/);
    }
    const there = inSlack(await executeCommand("clusters", member("CALLOWED"), services)).text;
    expect(there).toContain("clusterb: reachable in");
    expect(there).toContain("channels CALLOWED");

    const local = await executeCommand("clusters", localInvocation("operator"), services);
    if (!local.ok) throw new Error(local.failure.message);
    const text = renderText(local.result);
    expect(text).toContain("clustera: tcp://10.0.0.12:2376 (TLS), advertise 10.0.0.12");
    expect(text).toContain("clusterb: tcp://10.0.0.13:2376 (TLS), advertise 10.0.0.13");
  });

  it("names, for a cluster nobody registered, only the clusters this channel may see", async () => {
    const { services } = await boundLab();
    const admin: Invocation = { ...member("COTHER"), actor: { kind: "slack", team: "T1", user: "UADMIN" } };
    for (const [line, invocation, named] of [
      ["ports web --cluster nope", member("COTHER"), "registered and open here: clustera"],
      ["link app clustera nope", admin, "registered and open here: clustera"],
      ["ports web --cluster nope", member("CALLOWED"), "registered: clustera, clusterb"],
      ["ports web --cluster nope", localInvocation("operator"), "registered: clustera, clusterb"],
    ] as const) {
      const outcome = await executeCommand(line, invocation, services);
      expect(outcome, `${line} from ${invocation.channel}`).toEqual({
        ok: false,
        failure: { message: `no cluster named "nope"; ${named}`, refused: false },
      });
    }
    expect(
      inSlack(await executeCommand("ports web --cluster nope", member("COTHER"), services)).text,
    ).not.toContain("clusterb");
  });

  it("audits each read once, refused or not", async () => {
    const { services } = await boundLab();
    const before = services.audit.recorded.length;
    for (const line of ["ports web --cluster clusterb", "ports web", "list", "status app", "clusters"]) {
      await executeCommand(line, member("COTHER"), services);
    }
    expect(services.audit.recorded.slice(before).map((e) => `${e.action} ${e.outcome}`)).toEqual([
      "ports refused",
      "ports ok",
      "list ok",
      "status refused",
      "clusters ok",
    ]);
  });
});
