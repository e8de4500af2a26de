import type { ClusterListing } from "../commands/command.js";
import type { ClusterProbe } from "../domain/cluster.js";
import {
  describeRole,
  type LinkHealth,
  type LinkRecord,
  leavingTarget,
  targetClusters,
} from "../domain/link.js";
import type {
  LinkResult,
  LinkView,
  PortMapping,
  PortsResult,
  ReconcileResult,
  RepairResult,
  SilentCluster,
  TeardownResult,
} from "../engine/types.js";

/** `1 object`, `2 objects`. */
export function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? "" : "s"}`;
}

/** `5000/tcp -> 10.0.0.12:32770`, exactly as `docker port` prints it. */
export function formatMapping(mapping: PortMapping): string {
  const host = mapping.hostIp.includes(":") ? `[${mapping.hostIp}]` : mapping.hostIp;
  return `${mapping.containerPort}/${mapping.protocol} -> ${host}:${mapping.hostPort}`;
}

/** Mappings grouped by where they live, in the order they first appear. */
export function groupMappings(
  mappings: readonly PortMapping[],
): { cluster: string; container: string; mappings: PortMapping[] }[] {
  const groups = new Map<string, { cluster: string; container: string; mappings: PortMapping[] }>();
  for (const mapping of mappings) {
    const key = `${mapping.cluster}\u0000${mapping.container}`;
    const group = groups.get(key) ?? { cluster: mapping.cluster, container: mapping.container, mappings: [] };
    group.mappings.push(mapping);
    groups.set(key, group);
  }
  return [...groups.values()];
}

export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function describeLink(view: LinkView): string {
  const link = view.link;
  const alias = link.alias && link.alias !== link.container ? ` as ${link.alias}` : "";
  const web = link.web ? `, web ${link.web.name}` : link.consumer ? `, consumer ${link.consumer.name}` : "";
  return `${link.id}: ${link.container} ${link.sourceCluster} -> ${targetClusters(link).join(",")}${alias}${web} (${view.status})`;
}

function describeState(container: LinkView["containers"][number]): string {
  if (container.state === "disconnected") {
    if (container.role === "source")
      return "running, Docker-linked to the container that was replaced under its name: it still sends to the old one's address, which the new one need not have (repair remakes it)";
    return container.role === "target"
      ? "running, cut off from its consumer's network namespace (repair remakes it)"
      : "running, not on the link's network (repair reconnects it)";
  }
  if (container.state === "paused")
    return "paused: it holds connections without answering (docker unpause it)";
  if (container.renamedTo) return `missing: renamed to ${container.renamedTo}`;
  if (container.openToHost)
    return "running, made by an older version that lets the host's own processes reach the link (repair remakes it)";
  return container.role === "consumer" && container.state === "running"
    ? "running, on the link's network"
    : container.state;
}

/** A container's state as `list` shows it, in a word or two: `status` says why and what to do. */
function shortState(container: LinkView["containers"][number]): string {
  if (container.renamedTo) return `renamed to ${container.renamedTo}`;
  if (container.state !== "disconnected") return container.state;
  if (container.role === "source") return "linked to a replaced container";
  return container.role === "target" ? "cut off" : "off the link's network";
}

export function describeContainers(view: LinkView): string {
  return view.containers
    .map((c) => {
      // Of a link that is only parts left, no URL: nothing it serves is reached there.
      const shown = c.role === "web" && view.link.status !== "partial";
      const urls = shown ? (c.mappings ?? []).flatMap((m) => (m.url ? [m.url] : [])) : [];
      return `${c.cluster} ${c.name} ${shortState(c)}${urls.length ? ` ${urls.join(" ")}` : ""}`;
    })
    .join(", ");
}

/** A Docker URL without any user name or password in it. */
export function displayHost(host: string): string {
  try {
    const url = new URL(host);
    if (url.username || url.password) {
      url.username = "";
      url.password = "";
    }
    return url.toString().replace(/\/$/, "");
  } catch {
    return host;
  }
}

export function describeCluster(summary: ClusterListing, probe: ClusterProbe | undefined): string {
  const reach = !probe
    ? "not checked"
    : probe.ok
      ? `reachable in ${probe.rttMs === undefined ? "?" : formatDuration(probe.rttMs)}${probe.version ? ` (Docker ${probe.version})` : ""}`
      : `unreachable: ${probe.error ?? "no answer"}`;
  const channels = summary.channels.length ? summary.channels.join(", ") : "any";
  const where =
    summary.host === undefined
      ? ""
      : ` ${displayHost(summary.host)}${summary.tls ? " (TLS)" : ""}, advertise ${summary.advertise},`;
  return `${summary.name}:${where} ${reach}, channels ${channels}`;
}

/** `10:42 UTC` of an ISO time: when a cluster was last heard from is news within a day. */
export function clockTime(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** Why a cluster is missing from an answer, e.g. "clusterc: no answer since 10:42 UTC". */
export function silentReason(silent: SilentCluster): string {
  if (silent.unregistered) return "no longer registered";
  return `no answer since ${clockTime(silent.since)}${silent.waiting ? ", still asking" : ""}`;
}

/** A line per cluster an answer came without. */
export function silentLines(silent: readonly SilentCluster[] | undefined): string[] {
  return (silent ?? []).map((entry) => `${entry.cluster}: ${silentReason(entry)}`);
}

/** `ports` found nothing: where it looked, leaving out the clusters it did not hear from. */
export function notFoundLine(result: PortsResult, shown = (container: string) => container): string {
  // Neither a cluster still silent nor one that could not be reached was searched.
  const silent = new Set([
    ...(result.silent ?? []).map((entry) => entry.cluster),
    ...result.unreachable.map((entry) => entry.cluster),
  ]);
  const heard = result.searched.filter((cluster) => !silent.has(cluster));
  const container = shown(result.container);
  if (result.searched.length && !heard.length) return `No cluster answered about ${container}.`;
  return `No container named ${container} on ${heard.join(", ") || "any cluster"}.`;
}

/** Each cluster's probe by name, a cluster not heard from shown as unreachable with since when. */
export function probesByName(
  probes: readonly ClusterProbe[],
  silent: readonly SilentCluster[] | undefined,
): Map<string, ClusterProbe> {
  const byName = new Map(probes.map((probe) => [probe.name, probe]));
  for (const entry of silent ?? [])
    if (!byName.has(entry.cluster))
      byName.set(entry.cluster, { name: entry.cluster, ok: false, error: silentReason(entry) });
  return byName;
}

/** The note under `ports` and `clusters` when this channel may not see every cluster. */
export function hiddenNote(hidden: number | undefined, what: "searched" | "shown"): string | undefined {
  if (!hidden) return undefined;
  return `${plural(hidden, "cluster")} not ${what}: not allowed in this channel.`;
}

/** Cuts text to at most `limit` characters, ending with a note that says how much was left out. */
/** The hosts a link's Repair or Tear down acts on: its two, or every one of a fanned-out link. */
export function linkHosts(link: Pick<LinkRecord, "targets">): string {
  return targetClusters(link).length > 1 ? "every host" : "both hosts";
}

export function cutText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const note = (left: number) => `\n… cut: ${left} more characters not shown.`;
  const keep = limit - note(text.length).length;
  return text.slice(0, keep) + note(text.length - keep);
}

/** `broken since 2026-11-25T13:00:00.000Z, last check 2026-11-25T13:00:30.000Z` */
export function describeHealth(health: LinkHealth): string {
  return `${health.state} since ${health.since}, last check ${health.lastCheck}`;
}

/** The health line of a link in `list`: nothing checks a link of which only parts are left. */
export function listedHealth(view: Pick<LinkView, "status" | "health">): string {
  if (view.status === "partial") return "health not checked: only parts left";
  return `health ${view.health ? describeHealth(view.health) : "not checked yet"}`;
}

/** The status command's lines, the same in a terminal and in Slack. */
export function statusLines(view: LinkView): string[] {
  const { link, health } = view;
  // Only parts left (a teardown or a link cut short): what they are, never a URL or a protection it no longer has.
  const unrecorded = (view.unrecorded ?? []).map(
    (c) => `  ${describeRole(c.role)} ${c.name} on ${c.cluster}: ${c.state}`,
  );
  if (link.status === "partial") {
    // What the link made and is still there: not the user's own containers, which a teardown leaves, nor the gone.
    const left = view.containers.filter(
      (c) => c.role !== "container" && c.role !== "consumer" && c.state !== "missing",
    );
    return [
      `Link ${describeLink(view)}`,
      left.length || unrecorded.length ? "Parts left:" : "Parts left: none that its hosts show now.",
      ...left.map((c) => `  ${describeRole(c.role)} ${c.name} on ${c.cluster}: ${describeState(c)}`),
      ...unrecorded,
      ...nextStepLines(view),
    ];
  }
  return [
    `Link ${describeLink(view)}`,
    health ? `Health: ${describeHealth(health)}` : "Health: not checked yet",
    ...(health?.problems ?? []).map((problem) => `  • ${problem}`),
    "Containers:",
    ...view.containers.flatMap((c) => [
      `  ${describeRole(c.role)} ${c.name} on ${c.cluster}: ${describeState(c)}`,
      ...(c.mappings ?? []).map(
        (m) =>
          `    ${formatMapping(m)}${m.url && (c.role === "web" || c.role === "consumer") ? `   ${m.url}` : ""}`,
      ),
    ]),
    ...(unrecorded.length
      ? [
          `Carrying its label, not in its record (left by a repair that failed or was cut short; repair ${link.id} removes them):`,
        ]
      : []),
    ...unrecorded,
    `Connection: ${link.connections.map((c) => `${c.port} -> ${c.address}`).join(", ") || "none"}`,
    `Protection: ${describeProtection(link)}`,
    ...wiringCaveats(link),
    ...reachLines(link),
    ...nextStepLines(view),
  ];
}

/**
 * What to run for a link whose parts are not all there and running, in a line, from what its hosts said now: so the
 * way on is shown with or without a health check. None for a link that is whole, or paused by hand.
 */
export function nextStepLines(view: LinkView): string[] {
  const { link } = view;
  if (link.status === "partial")
    return [`Next: run teardown ${link.id} to finish removing what is left of it.`];
  const leaving = leavingTarget(link);
  if (leaving) {
    return [
      `Next: run teardown ${link.id} --target ${leaving} to finish removing that target, then repair ${link.id}.`,
    ];
  }
  const silent = [...new Set(view.containers.filter((c) => c.state === "unreachable").map((c) => c.cluster))];
  if (silent.length) {
    return [
      `Next: ${silent.join(", ")} did not answer; ask again once ${silent.length === 1 ? "it does" : "they do"}.`,
    ];
  }
  // The user's own containers, the linked one and a --consumer: the bot reconnects them, never makes or starts them.
  const own = view.containers.filter(
    (c) =>
      (c.role === "container" || c.role === "consumer") && (c.state === "missing" || c.state === "stopped"),
  );
  if (own.length) {
    return own.map((c) =>
      c.renamedTo
        ? `Next: ${describeRole(c.role)} ${c.name} on ${c.cluster} was renamed to ${c.renamedTo}; rename it back (docker rename ${c.renamedTo} ${c.name}), or tear this link down and link ${c.renamedTo}.`
        : `Next: ${describeRole(c.role)} ${c.name} on ${c.cluster} is ${c.state === "stopped" ? "stopped" : "gone"}; ${c.state === "stopped" ? `start it (docker start ${c.name})` : "run it again under the same name"}; the link follows it, and if status still shows it broken, run repair ${link.id}.`,
    );
  }
  const amiss = view.containers.filter((c) => ["missing", "stopped", "disconnected"].includes(c.state));
  if (amiss.length) {
    const named = (cs: typeof amiss) =>
      cs.map((c) => `${describeRole(c.role)} ${c.name} on ${c.cluster} (${shortState(c)})`).join(", ");
    // The user's own containers off the link's network are connected again, never made.
    const reconnected = amiss.filter((c) => c.role === "container" || c.role === "consumer");
    const remade = amiss.filter((c) => !reconnected.includes(c));
    const what = [
      ...(remade.length ? [`make again ${named(remade)}`] : []),
      ...(reconnected.length ? [`reconnect ${named(reconnected)}`] : []),
    ];
    return [`Next: run repair ${link.id} to ${what.join(" and ")}.`];
  }
  // Every part runs, yet the link was left broken (a teardown --target cut short, a repair that failed).
  if (link.status === "broken") return [`Next: run repair ${link.id} to make it whole again.`];
  if (view.unrecorded?.length)
    return [`Next: run repair ${link.id} to remove what carries its label outside its record.`];
  const open = view.containers.filter((c) => c.openToHost);
  return open.length
    ? [
        `Next: run repair ${link.id} to make again ${open.map((c) => `${describeRole(c.role)} ${c.name} on ${c.cluster}`).join(", ")}, which lets the host's own processes reach the link.`,
      ]
    : [];
}

/**
 * Why a new link that started a consumer answers with no web URL: its image exposes no TCP port (the consumer was
 * just seen running, with every exposed port published). Of a link asked for again nothing is said: its consumer
 * may be stopped, or its host silent.
 */
export function noWebLines(result: {
  link: Pick<LinkRecord, "web">;
  existing: boolean;
  targets: readonly { webUrls: readonly string[] }[];
}): string[] {
  const { link, existing, targets } = result;
  if (existing || !link.web || targets.some((target) => target.webUrls.length > 0)) return [];
  return [
    `Web: none: ${link.web.image} exposes no TCP port, so nothing of it is published (an image that EXPOSEs its port gets a URL).`,
  ];
}

/**
 * Ports of the linked container that answered no connection from beside it as the link was made: the link is made,
 * and carries connections once the container listens there on an address other containers reach.
 */
export function silentPortLines(result: {
  link: Pick<LinkRecord, "container" | "sourceCluster">;
  silentPorts?: readonly number[];
}): string[] {
  const ports = result.silentPorts ?? [];
  if (ports.length === 0) return [];
  const { container, sourceCluster } = result.link;
  const which = ports.length === 1 ? `port ${ports[0]}` : `ports ${ports.join(", ")}`;
  return [
    `Note: nothing in ${container} on ${sourceCluster} answered on ${which} as the link was made; the link carries connections once it listens there on all its addresses (0.0.0.0), not only 127.0.0.1.`,
  ];
}

/** A line for each consumer started under another name than the one asked for, which was taken. */
export function renamedWebLines(result: Pick<LinkResult, "renamedWebs">): string[] {
  return (result.renamedWebs ?? []).map(
    ({ cluster, asked, name }) =>
      `Note: a container on ${cluster} is named ${asked} already, so the consumer there is ${name}; pass another --web-name to choose.`,
  );
}

/**
 * What a link's wiring leaves open on its target hosts, in a line, for `--legacy-links`: the target ambassador sits
 * on the default bridge, where Docker lets every container reach it unless the daemon runs with `icc` off.
 */
export function wiringCaveats(link: Pick<LinkRecord, "wiring" | "targets">): string[] {
  if (link.wiring !== "legacy-links") return [];
  const where = link.targets.map((target) => target.cluster).join(", ");
  return [
    `Note: on ${where}, the target ambassador is on the default bridge (--legacy-links): every container there reaches the link in plaintext, unless the daemon runs with icc off.`,
  ];
}

/**
 * For a link with no consumer (no `--web`, no `--consumer`): the network on each target that a container joins to
 * reach the linked container by its alias, as its record names it.
 */
export function reachLines(
  link: Pick<LinkRecord, "web" | "consumer" | "resources" | "alias" | "ports">,
): string[] {
  if (link.web || link.consumer) return [];
  const ports = link.ports.map((port) => `${link.alias}:${port}`).join(", ");
  return link.resources
    .filter((resource) => resource.kind === "network" && resource.role === "target-network")
    .map(
      (network) =>
        `Reach it: on ${network.cluster}, connect a container to network ${network.name} (docker network connect ${network.name} <container>); there it reaches ${ports}.`,
    );
}

/**
 * How a link's bytes cross between the hosts, in words: `mTLS`, `plaintext, target only`, or `plaintext, any
 * address` when its source ambassador's image admits everyone.
 */
export function describeProtection(link: Pick<LinkRecord, "protection" | "admits">): string {
  return protectionWords(link).join(" ");
}

/** The same words, as a picture sets them: `mTLS`, or `plaintext,` and who it admits. */
export function protectionWords(link: Pick<LinkRecord, "protection" | "admits">): string[] {
  if (link.protection === "mtls") return ["mTLS"];
  return ["plaintext,", link.admits === "any" ? "any address" : "target only"];
}

/** The reconcile command's lines, the same in a terminal and in Slack. */
export function reconcileLines(result: ReconcileResult, fixed: boolean, commandPrefix: string): string[] {
  const { orphans, broken, removed } = result;
  const unreachable = result.unreachable ?? [];
  const unlisted = result.unlisted ?? [];
  const head =
    orphans.length + broken.length + unlisted.length + unreachable.length === 0
      ? "The store and the hosts agree: no orphans, no link missing parts."
      : `${plural(orphans.length, "orphan")} (made by the bot, owned by no link), ${plural(broken.length, "link")} missing parts${unlisted.length ? `, ${plural(unlisted.length, "object")} outside its link's record` : ""}.`;
  const next = fixed
    ? [
        `Removed ${plural(removed, "orphan")}${removed < orphans.length ? `; ${orphans.length - removed} could not be removed` : ""}.`,
      ]
    : orphans.length
      ? [`\`${commandPrefix}reconcile --fix\` removes the orphans.`]
      : [];
  return [
    head,
    ...orphans.map((o) => `  orphan ${o.kind} ${o.name} on ${o.cluster} (link ${o.linkId || "?"})`),
    ...broken.map((b) =>
      b.finish
        ? `  link ${b.linkId} was left partly removed and is missing ${b.missing.join(", ")}; \`${commandPrefix}teardown ${b.linkId}${b.finish.target ? ` --target ${b.finish.target}` : ""}\` finishes it`
        : `  link ${b.linkId} is missing ${b.missing.join(", ")}; \`${commandPrefix}repair ${b.linkId}\` makes ${b.missing.length === 1 ? "it" : "them"} again`,
    ),
    ...unlisted.map((u) =>
      u.finish
        ? `  ${u.kind} ${u.name} on ${u.cluster} carries link ${u.linkId}'s label but is not in its record; \`${commandPrefix}teardown ${u.linkId}${u.finish.target ? ` --target ${u.finish.target}` : ""}\`, which the link was left waiting for, removes it`
        : `  ${u.kind} ${u.name} on ${u.cluster} carries link ${u.linkId}'s label but is not in its record; \`${commandPrefix}repair ${u.linkId}\` removes it and keeps the link`,
    ),
    ...unreachable.map((u) => `  could not search ${u.cluster}: ${u.error}`),
    ...(result.otherStores
      ? [`  left alone: ${plural(result.otherStores, "object")} of links another bot's store keeps`]
      : []),
    ...next,
  ];
}

/** `removed 4 objects`, and how many were already gone, as a teardown's first line says it. */
export function removedCount(result: Pick<TeardownResult, "removed" | "gone">): string {
  const { removed } = result;
  const gone = result.gone?.length ?? 0;
  return `removed ${plural(removed.length, "object")}${gone ? `; ${gone} ${gone === 1 ? "was" : "were"} already gone` : ""}`;
}

/**
 * What a teardown cut short by an unreachable host did, and the command that finishes it: the same one, so a removed
 * target's teardown is asked again for that target only, never for the whole link. A target gone whose old source
 * ambassador (still admitting it) could not be removed is finished by `repair`, which removes what the link does not
 * record.
 */
export function partialTeardown(
  result: Pick<TeardownResult, "linkId" | "target" | "left">,
  prefix: string,
  /** How the link's ID is set: as code in Slack, as it is at the terminal. */
  id: (linkId: string) => string = (linkId) => linkId,
): string {
  const { linkId, target } = result;
  // What a repeat finishes: not what it would leave too.
  const left = result.left.filter((l) => !l.forGood);
  const what = target ? `Removed target ${target} of link ${id(linkId)}` : `Tore down link ${id(linkId)}`;
  // The target gone, what is left elsewhere is the old source ambassador (what is left on the target cluster then is
  // on one no longer registered, left for good).
  if (target && left.some((l) => l.cluster !== target)) {
    return `${what}, but its old source ambassador, which still admits ${target}, could not be removed: ${left.length} left. Run \`${prefix}repair ${linkId}\` when the host answers; it removes it.`;
  }
  const again = `${prefix}teardown ${linkId}${target ? ` --target ${target}` : ""}`;
  return `${what} only in part: ${left.length} left. Run \`${again}\` again when the host answers.`;
}

/**
 * A teardown's line per object: removed, already gone, or left and why. One gone beside another of its name that was
 * removed (made anew under that name, unrecorded) is told apart as the one the link recorded.
 */
export function teardownObjectLines(result: TeardownResult): string[] {
  const where = (r: { cluster: string; kind: string; name: string }) => `${r.kind} ${r.name} on ${r.cluster}`;
  const removed = new Set(result.removed.map(where));
  return [
    ...result.removed.map((r) => `removed ${where(r)}`),
    ...(result.gone ?? []).map(
      (r) => `already gone: ${where(r)}${removed.has(where(r)) ? " (the one the link recorded)" : ""}`,
    ),
    ...result.left.map((r) => `left ${where(r)}: ${r.error}`),
    ...(result.disconnected ?? []).map(
      (d) =>
        `disconnected container ${d.container} on ${d.cluster} from network ${d.network}: it had joined the link's network, and was left running`,
    ),
  ];
}

/** What a link removed first, left by an interrupted link of the same container; nothing when it removed nothing. */
export function clearedLines(
  cleared: readonly { cluster: string; kind: string; name: string }[] | undefined,
): string[] {
  if (!cleared?.length) return [];
  const named = cleared.map((object) => `${object.kind} ${object.name} on ${object.cluster}`).join(", ");
  return [`Removed what an interrupted link had left: ${named}.`];
}

/** What a link removed first, and the clusters that did not answer when asked to give up what an interrupted link left. */
export function linkClearedLines(result: Pick<LinkResult, "cleared" | "unclearedOn">): string[] {
  const silent = result.unclearedOn ?? [];
  return [
    ...clearedLines(result.cleared),
    ...(silent.length
      ? [
          `${silent.join(", ")} did not answer, so what an interrupted link left there stays; run reconcile --fix once ${silent.length === 1 ? "it answers" : "they answer"}.`,
        ]
      : []),
  ];
}

/** The repair command's lines, the same in a terminal and in Slack. */
export function repairLines(result: RepairResult, commandPrefix: string): string[] {
  const cleared = result.cleared.map(
    (old) =>
      `  removed ${old.kind} ${old.name} on ${old.cluster}, left outside the link's record by an earlier attempt`,
  );
  if (result.status === "nothing-to-repair") {
    return [
      `Link ${result.linkId} needs no repair: every part is there and current. \`${commandPrefix}status ${result.linkId}\` shows it.`,
      ...cleared,
    ];
  }
  return [
    `Repaired link ${result.linkId}: recreated ${plural(result.recreated.length, "part")}.`,
    ...result.recreated.map(
      (part) => `  recreated ${describeRole(part.role)} ${part.name} on ${part.cluster} (${part.reason})`,
    ),
    ...result.replaced.map((old) => `  removed the replaced ${old.name} on ${old.cluster}`),
    ...(result.left ?? []).map(
      (old) =>
        `  could not remove the replaced ${old.name} on ${old.cluster} (${old.error.replace(/\.$/, "")}); run \`${commandPrefix}repair ${result.linkId}\` again to remove it`,
    ),
    ...cleared,
    `Connection: ${result.connections.map((c) => `${c.port} -> ${c.address}`).join(", ")}`,
    ...result.webUrls.map((url) => `Web: ${url}`),
  ];
}
