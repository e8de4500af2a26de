import { resolve } from "node:path";

// Read by every one-shot command before anything else, so it stays on Node's own modules.

export const defaultStorePath = "./data/ambassador.json";

/** The store's file named by AMBASSADOR_STORE (or the default), as an absolute path; undefined when it is blank. */
export function storePathOf(env: NodeJS.ProcessEnv, cwd = process.cwd()): string | undefined {
  const named = env.AMBASSADOR_STORE;
  if (named !== undefined && named.trim() === "") return undefined;
  return resolve(cwd, named?.trim() ?? defaultStorePath);
}
