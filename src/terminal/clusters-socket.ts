import type { Socket } from "node:net";
import { isAbsolute } from "node:path";
import { z } from "zod";

/** Where a running bot takes `clusters …` from other processes: beside its store, in the store's 0700 folder. */
export function clustersSocketPath(storePath: string): string {
  return `${storePath}.sock`;
}

const absolutePath = z.string().max(4096).refine(isAbsolute, { message: "must be an absolute path" });

/** One `ambassador clusters …` handed to the running bot: the words after `clusters` and where they were typed. */
export const ClustersRequest = z
  .object({
    argv: z.array(z.string().max(4096)).max(64),
    cwd: absolutePath,
    dockerConfigDir: absolutePath.optional(),
  })
  .strict();
export type ClustersRequest = z.infer<typeof ClustersRequest>;

/** What the bot answers: the text to print and the exit code, as the command would have given them. */
export const ClustersAnswer = z.object({ exitCode: z.number().int().min(0).max(255), output: z.string() });

/** Reads one newline-terminated message of at most `maxBytes`; rejects a longer one or a connection that ends first. */
export function readLine(socket: Socket, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: Error) => {
      socket.off("data", onData).off("end", onEnd).off("error", finish);
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      const end = chunk.indexOf(0x0a);
      const part = end === -1 ? chunk : chunk.subarray(0, end);
      size += part.length;
      if (size > maxBytes) return finish(new Error(`message longer than ${maxBytes} bytes`));
      chunks.push(part);
      if (end !== -1) finish();
    };
    const onEnd = () => finish(new Error("the connection closed before a whole message"));
    socket.on("data", onData).on("end", onEnd).on("error", finish);
  });
}
