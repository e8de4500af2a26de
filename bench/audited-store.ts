import { readFile, writeFile } from "node:fs/promises";
import type { AuditEntry } from "../src/domain/audit.js";
import type { LinkRecord } from "../src/domain/link.js";
import { syntheticLink } from "./bench-store.js";

/** How much a store written before the audit log had a file of its own is made to hold. */
export interface AuditedStoreSeed {
  links: number;
  auditEntries: number;
}

/** An audit entry of the kind a team's use leaves: commands from Slack, allowed and refused. */
function pastEntry(index: number, start: number): AuditEntry {
  const kinds = [
    { action: "ports", target: `web-${index % 97}`, outcome: "ok" as const },
    { action: "list", outcome: "ok" as const },
    { action: "help", outcome: "ok" as const },
    {
      action: "link",
      target: `app-${index % 89}`,
      outcome: "refused" as const,
      detail: "only admins may run link (AMBASSADOR_ADMINS)",
    },
  ];
  return {
    at: new Date(start + index * 1_000).toISOString(),
    actor: { kind: "slack", team: "T0BENCH01", user: `U0BENCH${(index % 40).toString().padStart(3, "0")}` },
    channel: `C0BENCH${(index % 7).toString().padStart(2, "0")}`,
    ...kinds[index % kinds.length],
  } as AuditEntry;
}

/**
 * Rewrites the closed store at `path` as version 2 wrote it: its own clusters, `links` more links across them
 * and `auditEntries` audit entries inside the file, so that the next open moves the audit log out as an upgrade
 * does.
 */
export async function seedAuditedStore(path: string, seed: AuditedStoreSeed): Promise<void> {
  const data = JSON.parse(await readFile(path, "utf8")) as {
    version: number;
    clusters: { name: string }[];
    links: LinkRecord[];
    audit?: AuditEntry[];
  };
  const names = data.clusters.map((cluster) => cluster.name);
  const clusters = names.length ? names : ["clustera", "clusterb"];
  for (let i = 0; i < seed.links; i++) {
    data.links.push(
      syntheticLink(i, clusters[i % clusters.length] ?? "", clusters[(i + 1) % clusters.length] ?? ""),
    );
  }
  const start = Date.now() - seed.auditEntries * 1_000;
  data.audit = Array.from({ length: seed.auditEntries }, (_, i) => pastEntry(i, start));
  data.version = 2;
  await writeFile(path, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
}
