import { z } from "zod";
import { visibleClusters } from "./authorize.js";
import { type ClusterListing, defineCommand, stagedResult } from "./command.js";

export const ClustersInput = z.object({});

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
    const read = await services.engine.stagedProbe(visible.map((summary) => summary.name));
    return stagedResult(read, ({ probes, silent }) => ({
      kind: "clusters",
      clusters,
      probes,
      hidden: hidden.length,
      ...(silent.length ? { silent } : {}),
    }));
  },
});
