import {
  type LinkRecord,
  partlyTornDown,
  type ResourceRole,
  targetClusters,
  webAskedAs,
} from "../domain/link.js";
import type { EngineCore } from "./engine-core.js";
import { publishedPorts, sourceRows, urlsOf } from "./mappings.js";
import type { AmbassadorInfo, AmbassadorMode, LinkResult, PortMapping, TargetResult } from "./types.js";

/** What makes two links the same: asking for an existing one returns it instead of making another. */
export interface LinkIdentity {
  container: string;
  alias: string;
  sourceCluster: string;
  targetClusters: readonly string[];
  ports: readonly number[];
  wiring: LinkRecord["wiring"];
  web?: { image: string; base: string };
  consumer?: string;
  protection: "mtls" | "plaintext";
}

/** Whether a link is wired with Docker links (`--legacy-links`), which a request names; the rest is the engine's choice. */
const legacy = (wiring: LinkRecord["wiring"]) => wiring === "legacy-links";

export function sameLink(record: LinkRecord, wanted: LinkIdentity): boolean {
  return (
    !partlyTornDown(record) &&
    record.container === wanted.container &&
    record.sourceCluster === wanted.sourceCluster &&
    targetClusters(record).join(",") === wanted.targetClusters.join(",") &&
    record.alias === wanted.alias &&
    legacy(record.wiring) === legacy(wanted.wiring) &&
    record.ports.join(",") === wanted.ports.join(",") &&
    record.web?.image === wanted.web?.image &&
    record.consumer?.name === wanted.consumer &&
    (record.protection ?? "plaintext") === wanted.protection &&
    (wanted.web === undefined || (record.web !== undefined && webAskedAs(record.web, wanted.web.base)))
  );
}

/** An existing link as `link` answers it: its ambassadors and its published ports, read live. */
export async function describeExisting(core: EngineCore, record: LinkRecord): Promise<LinkResult> {
  const find = (role: ResourceRole, cluster: string) =>
    record.resources.find((r) => r.role === role && r.cluster === cluster);
  const info = (role: "source" | "target", cluster: string): AmbassadorInfo => {
    const resource = find(role, cluster);
    const mode = record.modes?.[role] as AmbassadorMode | undefined;
    return { cluster, name: resource?.name ?? "", id: resource?.id ?? "", mode: mode ?? "relay" };
  };
  const read = async (role: "source" | "web" | "consumer", cluster: string): Promise<PortMapping[]> => {
    const resource = find(role, cluster);
    if (!resource) return [];
    try {
      return await publishedPorts(core.clusters.host(resource.cluster), resource);
    } catch (error) {
      core.logger?.warn({ err: error, link: record.id }, "could not read the mappings of an existing link");
      return [];
    }
  };
  const [sourceMappings, ...webMappings] = await Promise.all([
    read("source", record.sourceCluster),
    ...targetClusters(record).map((cluster) => read(record.consumer ? "consumer" : "web", cluster)),
  ]);
  const targets: TargetResult[] = targetClusters(record).map((cluster, i) => {
    const mappings = webMappings[i] ?? [];
    return { cluster, ambassador: info("target", cluster), mappings, webUrls: urlsOf(mappings) };
  });
  return {
    link: record,
    existing: true,
    source: info("source", record.sourceCluster),
    target: info("target", record.targetCluster),
    targets,
    connections: record.connections,
    mappings: [
      ...sourceRows(sourceMappings, record.protection),
      ...targets.flatMap((target) => target.mappings),
    ],
    webUrls: targets.flatMap((target) => target.webUrls),
    timings: [],
    tookMs: 0,
  };
}
