import { DockerCallError, type DockerHost } from "../docker/docker-host.js";
import { hiddenCharacters } from "../domain/hidden-text.js";
import { lastLine } from "./ambassador-runner.js";

const hidden = new RegExp(`[${hiddenCharacters}]+`, "gu");

/** The last line a container wrote, as one line of plain text, cut to 160 characters. */
function lastWords(logs: string): string {
  const line = lastLine(logs).replace(hidden, " ").trim();
  return line.length > 160 ? `${line.slice(0, 159)}…` : line;
}

/**
 * Why a target ambassador could not start in the network namespace of consumer `consumerId`, just made, when the
 * consumer stopped or restarted meanwhile (its image exits as it starts): Docker's refusal then names a namespace, or a
 * container, that is gone. The consumer, its image, its exit code and its last line, which its removal would
 * otherwise take away; undefined when the consumer runs as it did, or the refusal was not Docker's.
 */
export async function consumerStopped(
  host: DockerHost,
  consumerId: string | undefined,
  error: unknown,
): Promise<Error | undefined> {
  if (!(error instanceof DockerCallError) || !consumerId) return undefined;
  const info = await host.inspectContainer(consumerId).catch(() => undefined);
  if (!info || (info.State.Running && !info.State.Restarting && info.RestartCount === 0)) return undefined;
  const name = info.Name.replace(/^\//, "");
  const said = lastWords(await host.containerLogs(info.Id, name).catch(() => ""));
  // Started again by its restart policy, it runs with no exit code until it stops once more.
  const how =
    info.State.Running && !info.State.Restarting
      ? "Docker started it again"
      : `exit code ${info.State.ExitCode}`;
  return new Error(
    `consumer ${name} (image ${info.Config.Image}) stopped as soon as it started (${how})${said ? `, saying "${said}"` : ""}; check that the image runs on its own (docker run --rm ${info.Config.Image}): a link's --web image must keep running`,
  );
}
