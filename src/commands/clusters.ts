import { z } from "zod";
import { visibleClusters } from "./authorize.js";
import { type ClusterListing, defineCommand } from "./command.js";

export const ClustersInput = z.object({});

const probeDeadlineMs = 5_000;

export const clustersCommand = defineCommand({
  name: "clusters",
  summary: "List the registered clusters with reachability and round-trip time (never credentials).",
  example: "clusters",
  schema: ClustersInput,
  mutating: false,
  progress: () => "Checking the clusters…",
  async run(_input, { services, invocation }) {
    const { visible, hidden } = visibleClusters(invocation, services.clusters);
    const clusters: ClusterListing[] = invocation.trusted
      ? visible
      : visible.map(({ name, channels }) => ({ name, channels }));
    const probes = visible.length
      ? await services.clusters.probe(
          visible.map((summary) => summary.name),
          probeDeadlineMs,
        )
      : [];
    return { kind: "clusters", clusters, probes, hidden: hidden.length };
  },
});
