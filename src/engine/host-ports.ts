import { randomInt } from "node:crypto";

/** Docker's range for host ports it picks itself (Linux's ephemeral ports). */
const firstEphemeral = 32768;
const lastEphemeral = 60999;

/** A host port from Docker's own range, at random. */
export const anyEphemeral = (): number => firstEphemeral + randomInt(lastEphemeral - firstEphemeral + 1);

/**
 * A host port for each of `ports` from Docker's range, none of `tried`, each added to it: chosen by the bot rather
 * than left to Docker, so a container keeps its ports when it or its Docker restarts.
 */
export function otherHostPorts(ports: readonly number[], tried: Set<number>): Map<number, string> {
  const chosen = new Map<number, string>();
  for (const port of ports) {
    let hostPort = anyEphemeral();
    while (tried.has(hostPort)) hostPort = anyEphemeral();
    tried.add(hostPort);
    chosen.set(port, String(hostPort));
  }
  return chosen;
}
