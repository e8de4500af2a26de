import type { types } from "@slack/bolt";
import type { ClusterProbe } from "../domain/cluster.js";
import { type LinkHealth, type LinkRecord, targetClusters } from "../domain/link.js";
import { cutText, describeProtection, formatDuration, linkHosts } from "./format.js";
import { escapeMrkdwn, maxSectionText } from "./slack-message.js";

type KnownBlock = types.KnownBlock;

/** The action IDs of the Home tab's buttons. */
export const homeActions = {
  status: "home_status",
  repair: "home_repair",
  teardown: "home_teardown",
  page: "home_page",
} as const;

/** Links per page of the Home tab: two blocks each keeps a page well within a view's 100 blocks. */
export const homeLinksPerPage = 20;

/** One link as the Home tab shows it: the stored record and the health last seen. */
export interface HomeLink {
  link: LinkRecord;
  health?: LinkHealth;
}

/** A cluster with the last answer the bot got from it, if any. */
export interface HomeCluster {
  name: string;
  probe?: ClusterProbe & { at: string };
}

/** What one person's Home tab shows. */
export interface HomeModel {
  links: HomeLink[];
  clusters: HomeCluster[];
  admin: boolean;
  /** 1-based page of links. */
  page: number;
  /** How many links and clusters are left out because they are bound to channels. */
  hiddenLinks: number;
  hiddenClusters: number;
}

const healthIcons: Record<LinkHealth["state"], string> = {
  healthy: ":large_green_circle:",
  broken: ":red_circle:",
  unknown: ":white_circle:",
};

function plain(text: string): types.PlainTextElement {
  return { type: "plain_text", text };
}

function describeHealth(health: LinkHealth | undefined): string {
  if (!health) return ":white_circle: not checked yet";
  return `${healthIcons[health.state]} ${health.state} since ${health.since.replace(/\.\d{3}Z$/, "Z")}`;
}

function linkBlocks({ link, health }: HomeLink, admin: boolean): KnownBlock[] {
  const id = escapeMrkdwn(link.id);
  // Every target of a fanned-out link; cut to what a section holds, however many there are.
  const targets = targetClusters(link).map(escapeMrkdwn).join(", ");
  const text = cutText(
    [
      `*\`${escapeMrkdwn(link.container)}\`* ${escapeMrkdwn(link.sourceCluster)} → ${targets} as \`${escapeMrkdwn(link.alias)}\`${link.web ? `, consumer \`${escapeMrkdwn(link.web.name)}\`` : ""}`,
      `ports ${link.ports.join(", ") || "none"} · ${describeProtection(link)} · ${describeHealth(health)}${link.status === "active" ? "" : ` · ${link.status}`}`,
      `link \`${id}\``,
    ].join("\n"),
    maxSectionText,
  );
  const confirm = (title: string, what: string, verb: string): types.ConfirmationDialog => ({
    title: plain(title),
    text: { type: "mrkdwn", text: cutText(what, 300) },
    confirm: plain(verb),
    deny: plain("Cancel"),
  });
  const buttons: types.Button[] = [
    { type: "button", action_id: homeActions.status, value: link.id, text: plain("Status") },
  ];
  if (admin) {
    buttons.push(
      {
        type: "button",
        action_id: homeActions.repair,
        value: link.id,
        text: plain("Repair"),
        confirm: confirm(
          "Repair this link?",
          `Recreates what link \`${id}\` is missing, on ${linkHosts(link)}.`,
          "Repair",
        ),
      },
      {
        type: "button",
        action_id: homeActions.teardown,
        value: link.id,
        style: "danger",
        text: plain("Tear down"),
        confirm: confirm(
          "Tear down this link?",
          `Removes the ambassadors of \`${id}\` on ${linkHosts(link)}.`,
          "Tear down",
        ),
      },
    );
  }
  return [
    { type: "section", block_id: `link_${link.id}`.slice(0, 255), text: { type: "mrkdwn", text } },
    { type: "actions", block_id: `actions_${link.id}`.slice(0, 255), elements: buttons },
  ];
}

function describeReach(cluster: HomeCluster): string {
  const probe = cluster.probe;
  if (!probe) return `*${escapeMrkdwn(cluster.name)}*: not checked yet`;
  const at = probe.at.replace(/\.\d{3}Z$/, "Z");
  return probe.ok
    ? `*${escapeMrkdwn(cluster.name)}*: :large_green_circle: answers${probe.rttMs === undefined ? "" : ` in ${formatDuration(probe.rttMs)}`} (checked ${at})`
    : `*${escapeMrkdwn(cluster.name)}*: :red_circle: does not answer (checked ${at})`;
}

function clusterBlocks(model: HomeModel): KnownBlock[] {
  const lines = model.clusters.map(describeReach);
  if (model.hiddenClusters)
    lines.push(`_${model.hiddenClusters} bound to channels: see them with \`clusters\` in those channels._`);
  const text = cutText(lines.join("\n") || "No clusters are registered.", 3000);
  return [
    { type: "header", text: plain("Clusters") },
    { type: "section", text: { type: "mrkdwn", text } },
  ];
}

/** The Home tab: a page of links with their buttons, then the clusters and whether they answer. */
export function homeView(model: HomeModel): types.HomeView {
  const pages = Math.max(1, Math.ceil(model.links.length / homeLinksPerPage));
  const page = Math.min(Math.max(1, model.page), pages);
  const shown = model.links.slice((page - 1) * homeLinksPerPage, page * homeLinksPerPage);
  const count = `${model.links.length} ${model.links.length === 1 ? "link" : "links"}`;
  const blocks: KnownBlock[] = [
    { type: "header", text: plain(`Links (${count})`) },
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: model.hiddenLinks
            ? `${model.hiddenLinks} more on channel-bound clusters: \`/ambassador list\` in their channels shows them.`
            : "Every link on a cluster open to all channels.",
        },
      ],
    },
    ...shown.flatMap((entry) => linkBlocks(entry, model.admin)),
  ];
  if (model.links.length === 0)
    blocks.push({
      type: "section",
      text: { type: "mrkdwn", text: "No links yet. `/ambassador link` opens a dialog to make one." },
    });
  if (pages > 1) {
    const nav: types.Button[] = [];
    if (page > 1)
      nav.push({
        type: "button",
        action_id: `${homeActions.page}_prev`,
        value: String(page - 1),
        text: plain("Previous"),
      });
    if (page < pages)
      nav.push({
        type: "button",
        action_id: `${homeActions.page}_next`,
        value: String(page + 1),
        text: plain("More"),
      });
    blocks.push(
      { type: "context", elements: [{ type: "mrkdwn", text: `Page ${page} of ${pages}` }] },
      { type: "actions", block_id: "home_pages", elements: nav },
    );
  }
  blocks.push({ type: "divider" }, ...clusterBlocks(model));
  return { type: "home", blocks };
}
