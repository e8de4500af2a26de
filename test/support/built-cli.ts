import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/**
 * `npm run build` into a folder of its own, where `node_modules` is found from it as from dist/ (a few modules stay
 * there); returns the folder.
 */
export async function buildCli(): Promise<string> {
  const builds = join(repoRoot, "node_modules", ".cache", "ambassador-builds");
  mkdirSync(builds, { recursive: true });
  const out = mkdtempSync(join(builds, "dist-"));
  await run(process.execPath, [join(repoRoot, "scripts/bundle.mjs"), out], { cwd: repoRoot });
  return out;
}

/** The compiled code files in a build folder: the shared one ("") and each command's, by name. */
export function codeCaches(out: string): Map<string, string> {
  const caches = new Map<string, string>();
  for (const file of readdirSync(out)) {
    const match = /^ambassador\.cjs\.[0-9a-f]{12}(?:\.([a-z-]+))?\.cache$/.exec(file);
    if (match) caches.set(match[1] ?? "", join(out, file));
  }
  return caches;
}
