import { connect as tcpConnect } from "node:net";
import type { ClusterDirectory } from "../docker/clusters.js";
import { type LinkRecord, targetClusters } from "../domain/link.js";
import { describeErrorWithoutAddress } from "../errors.js";

/** `host:port` answers a TCP connection within the deadline. */
function tcpReachable(address: string, deadlineMs: number): Promise<void> {
  const separator = address.lastIndexOf(":");
  const host = address.slice(0, separator).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(separator + 1));
  return new Promise<void>((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${address}: no answer within ${deadlineMs} ms`));
    }, deadlineMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${address}: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
    });
  });
}

const notOurImage = /executable file not found|no such file or directory/i;

/**
 * The probe was killed before it said anything (its ambassador stopping around it, as when its Docker shuts down):
 * no verdict on the path; the ambassador's own state says what happened.
 */
export class ProbeKilled extends Error {
  override readonly name = "ProbeKilled";
}
/** Docker refuses an exec in a container whose Docker link names a container that is not running. */
const linkedStopped = /Cannot link to a non running container: \/([^ ]+) AS /;

/** Runs `ambassador probe` in one of the link's ambassadors: true when it proved its routes, false when the image lacks it. */
async function probeIn(
  clusters: ClusterDirectory,
  link: LinkRecord,
  role: "source" | "target",
  cluster: string,
  deadlineMs: number,
): Promise<boolean> {
  const ambassador = link.resources.find((r) => r.role === role && r.cluster === cluster);
  if (!ambassador) throw new Error(`the link records no ${role} ambassador on ${cluster}`);
  try {
    const result = await clusters
      .host(ambassador.cluster)
      .exec(ambassador.id, ambassador.name, ["/bin/ambassador", "probe"], { timeoutMs: deadlineMs });
    if (result.exitCode === 0) return true;
    if (result.exitCode === 126 || result.exitCode === 127) return false;
    // The last route it says failed: one killed midway has said only of routes that work.
    const why = result.output
      .trim()
      .split("\n")
      .filter((line) => line.trim() && !/ works$/.test(line))
      .at(-1)
      ?.replace(/^ambassador: probe: /, "");
    const said = `${role} ambassador on ${ambassador.cluster}: ${why || `probe exited ${result.exitCode}`}`;
    if (!why && result.exitCode > 128) throw new ProbeKilled(said);
    throw new Error(said);
  } catch (error) {
    const message = (error as Error).message;
    if (notOurImage.test(message)) return false;
    const stopped = linkedStopped.exec(message)?.[1];
    if (stopped) throw new Error(`${role} ambassador on ${ambassador.cluster}: ${stopped} is not running`);
    throw error;
  }
}

/**
 * Proves the link's path end to end from inside its ambassadors: the source one reaches the source container, and
 * each target's one reaches the source ambassador as its forwarding does (TLS handshake included). An image without
 * the probe (the seed's) is checked the old way: the source ambassador accepts a TCP connection. Rejects with what is
 * wrong (a failed Docker call as it failed, so its address-free message stays with it).
 */
export async function checkPath(
  clusters: ClusterDirectory,
  link: LinkRecord,
  deadlineMs: number,
): Promise<void> {
  const proved = await Promise.all([
    probeIn(clusters, link, "source", link.sourceCluster, deadlineMs),
    ...targetClusters(link).map((cluster) => probeIn(clusters, link, "target", cluster, deadlineMs)),
  ]);
  if (proved.every(Boolean)) return;
  await Promise.all(link.connections.map(({ address }) => tcpReachable(address, deadlineMs)));
}

/**
 * Whether the link's path works end to end (see checkPath): undefined when it does, else what is wrong, without a
 * Docker API address, as the link monitor's health says it (a repair's answer, which names it, goes to Slack too).
 */
export async function probePath(
  clusters: ClusterDirectory,
  link: LinkRecord,
  deadlineMs: number,
): Promise<string | undefined> {
  try {
    await checkPath(clusters, link, deadlineMs);
    return undefined;
  } catch (error) {
    return describeErrorWithoutAddress(error);
  }
}
