import { z } from "zod";
import { defineCommand } from "./command.js";

export const ClustersInput = z.object({});

const probeDeadlineMs = 5_000;

export const clustersCommand = defineCommand({
  name: "clusters",
  summary: "List the registered clusters with reachability and round-trip time (never credentials).",
  example: "clusters",
  positionals: [],
  options: [],
  schema: ClustersInput,
  mutating: false,
  progress: () => "Checking the clusters…",
  async run(_input, { services }) {
    const clusters = services.clusters.list();
    const probes = await services.clusters.probe(undefined, probeDeadlineMs);
    return { kind: "clusters", clusters, probes };
  },
});
