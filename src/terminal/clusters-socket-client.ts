import { connect } from "node:net";
import { UserError } from "../errors.js";
import type { CommandResult } from "./clusters-command.js";
import { ClustersAnswer, type ClustersRequest, readLine } from "./clusters-socket.js";

const maxAnswerBytes = 4 * 1024 * 1024;

/**
 * Hands `clusters …` to the bot listening on `path` and resolves to its answer; resolves to undefined when no bot
 * listens there (the store is held by something else, or by a bot that died). `add` and `test` wait on hosts,
 * so the deadline is generous.
 */
export function sendClustersCommand(
  path: string,
  request: ClustersRequest,
  timeoutMs = 120_000,
): Promise<CommandResult | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(
        new UserError(
          "clusters-socket",
          `the running bot did not answer within ${timeoutMs / 1000} s (${path})`,
        ),
      );
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") return resolve(undefined);
      if (error.code === "EACCES") {
        return reject(
          new UserError(
            "clusters-socket",
            `cannot reach the running bot at ${path}: run this as the user the bot runs as`,
          ),
        );
      }
      reject(error);
    });
    socket.once("connect", () => {
      socket.write(`${JSON.stringify(request)}\n`);
      readLine(socket, maxAnswerBytes).then(
        (line) => {
          socket.destroy();
          let parsed: ReturnType<typeof ClustersAnswer.safeParse> | undefined;
          try {
            parsed = ClustersAnswer.safeParse(JSON.parse(line));
          } catch {
            parsed = undefined;
          }
          if (parsed?.success) resolve(parsed.data);
          else reject(new Error(`the running bot answered something unexpected at ${path}`));
        },
        (error: Error) => {
          socket.destroy();
          reject(
            new UserError("clusters-socket", `the running bot at ${path} did not answer: ${error.message}`),
          );
        },
      );
    });
  });
}
