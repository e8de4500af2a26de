import { z } from "zod";
import { ClusterName } from "../domain/cluster.js";
import { ContainerName } from "../domain/values.js";
import type { PortsResult } from "../engine/types.js";
import { visibleClusters } from "./authorize.js";
import { defineCommand, failuresShownTo, stagedResult } from "./command.js";

export const PortsInput = z.object({ container: ContainerName, cluster: ClusterName.optional() });
export type PortsInput = z.infer<typeof PortsInput>;

export const portsCommand = defineCommand({
  name: "ports",
  summary: "Show a container's published ports (like `docker port`) with a URL each.",
  example: "ports web",
  positionals: [{ name: "container" }],
  options: [{ name: "cluster", value: "NAME", help: "look only on this cluster (default: every cluster)" }],
  schema: PortsInput,
  mutating: false,
  clustersOf: (input) => (input.cluster ? [input.cluster] : []),
  progress: (input) =>
    `Looking up the ports of ${input.container}${input.cluster ? ` on ${input.cluster}` : ""}…`,
  target: (input) => input.container,
  async run(input, { services, invocation }) {
    const shown = (result: PortsResult): PortsResult => ({
      ...result,
      unreachable: failuresShownTo(invocation, result.unreachable),
    });
    if (input.cluster) {
      const read = await services.engine.stagedPorts(input.container, input.cluster);
      return stagedResult(read, (result) => ({ kind: "ports", result: shown(result) }));
    }
    const { visible, hidden } = visibleClusters(invocation, services.clusters);
    const within = hidden.length ? visible.map((summary) => summary.name) : undefined;
    const read = await services.engine.stagedPorts(input.container, within);
    return stagedResult(read, (result) => ({ kind: "ports", result: shown(result), hidden: hidden.length }));
  },
});
