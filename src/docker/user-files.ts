import { readFile } from "node:fs/promises";
import { UserError } from "../errors.js";

/** Reads a file a person pointed us at; a missing or unreadable one is a one-line UserError naming it. */
export async function readUserFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new UserError("missing-file", `${what} ${path} does not exist`);
    if (code === "EACCES" || code === "EPERM") {
      throw new UserError("unreadable-file", `${what} ${path} cannot be read (permission denied)`);
    }
    if (code === "EISDIR") throw new UserError("unreadable-file", `${what} ${path} is a folder, not a file`);
    throw new UserError(
      "unreadable-file",
      `${what} ${path} cannot be read (${code ?? (error as Error).message})`,
    );
  }
}
