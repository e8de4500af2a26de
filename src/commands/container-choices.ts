import { listedName } from "../docker/docker-host.js";
import { describeError } from "../errors.js";
import { assertChannelAllowed, assertMayRun } from "./authorize.js";
import type { Invocation } from "./command.js";
import { linkCommand } from "./link.js";
import type { Services } from "./services.js";

/** A running container the link dialog offers, with the TCP ports it exposes. */
export interface ContainerChoice {
  name: string;
  image: string;
  ports: number[];
}

/** The containers a link could start from, or why there are none to offer. */
export type ContainerChoices = { ok: true; containers: ContainerChoice[] } | { ok: false; reason: string };

/** Label every container and network the bot makes carries; its own are never offered. */
const linkLabel = "io.ambassador.link";

function exposedTcp(ports: Record<string, unknown> | undefined): number[] {
  return Object.keys(ports ?? {})
    .filter((key) => key.endsWith("/tcp"))
    .map((key) => Number(key.split("/")[0]))
    .filter((port) => Number.isInteger(port))
    .sort((a, b) => a - b);
}

/**
 * The running containers of one cluster, for someone who may link from it here, within `deadlineMs`: a host
 * that does not answer in time gives a reason, never a wait. Nothing is audited: listing changes nothing.
 */
export async function containerChoices(
  services: Services,
  invocation: Invocation,
  cluster: string,
  deadlineMs: number,
): Promise<ContainerChoices> {
  try {
    assertMayRun(linkCommand, invocation, services.config.admins);
    assertChannelAllowed([cluster], invocation, services.clusters);
    const host = services.clusters.host(cluster);
    const listed = await host.listContainers([], { timeoutMs: deadlineMs });
    const containers = listed
      .filter((info) => info.State === "running" && !info.Labels?.[linkLabel])
      .map((info) => ({
        name: listedName(info),
        image: info.Image,
        ports: [
          ...new Set((info.Ports ?? []).filter((p) => p.Type === "tcp").map((p) => p.PrivatePort)),
        ].sort((a, b) => a - b),
      }));
    return { ok: true, containers };
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
}

/** The TCP ports a container exposes, for the dialog to fill in; none when the host does not answer in time. */
export async function exposedPorts(
  services: Services,
  invocation: Invocation,
  cluster: string,
  container: string,
  deadlineMs: number,
): Promise<number[]> {
  try {
    assertMayRun(linkCommand, invocation, services.config.admins);
    assertChannelAllowed([cluster], invocation, services.clusters);
    const info = await services.clusters.host(cluster).inspectContainer(container, { timeoutMs: deadlineMs });
    return exposedTcp(info?.Config?.ExposedPorts);
  } catch {
    return [];
  }
}
