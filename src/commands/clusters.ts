import { z } from "zod";
import type { ClusterProbe } from "../domain/cluster.js";
import { visibleClusters } from "./authorize.js";
import { type ClusterListing, defineCommand, seesDockerApis, stagedResult } from "./command.js";

export const ClustersInput = z.object({});

export const clustersCommand = defineCommand({
  name: "clusters",
  summary:
    "List the registered clusters with reachability and round-trip time (never credentials); at the terminal, `clusters list` shows how each is registered and `clusters test` checks them.",
  example: "clusters",
  elsewhere:
    "Clusters are added, changed and removed at a terminal on the bot's machine (`npm run cli -- clusters add <name> --docker-env …`), never from Slack: their credentials stay there.",
  schema: ClustersInput,
  mutating: false,
  progress: () => "Checking the clusters…",
  async run(_input, { services, invocation }) {
    const { visible, hidden } = visibleClusters(invocation, services.clusters);
    const seesApis = seesDockerApis(invocation);
    const clusters: ClusterListing[] = seesApis
      ? visible
      : visible.map(({ name, channels }) => ({ name, channels }));
    const shown = (probe: ClusterProbe): ClusterProbe =>
      seesApis || probe.ok ? probe : { name: probe.name, ok: false, error: probe.errorWithoutAddress };
    const read = await services.engine.stagedProbe(visible.map((summary) => summary.name));
    return stagedResult(read, ({ probes, silent }) => ({
      kind: "clusters",
      clusters,
      probes: probes.map(shown),
      hidden: hidden.length,
      ...(silent.length ? { silent } : {}),
    }));
  },
});
