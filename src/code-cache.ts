import { isAscii } from "node:buffer";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/**
 * Runs a CommonJS file as `require` would, compiled with V8's code cache kept beside it (`<file>.cache`), and
 * returns its exports. A cache this Node cannot use (another version, say) is made again as the process exits,
 * where the folder may be written; a folder it may not write leaves it as it was.
 */
export function requireWithCodeCache(url: URL): unknown {
  const filename = fileURLToPath(url);
  const cacheFile = `${filename}.cache`;
  const bytes = readFileSync(filename);
  // ASCII read as Latin-1 is the same text, without decoding UTF-8.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename, cachedData });
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename));
  if (!cachedData || script.cachedDataRejected) {
    process.once("exit", () => writeCache(cacheFile, script.createCachedData()));
  }
  return module.exports;
}

/** Written whole or not at all, so a process reading it meanwhile never sees half of it. */
function writeCache(cacheFile: string, data: Buffer): void {
  const partial = `${cacheFile}.${process.pid}`;
  try {
    writeFileSync(partial, data, { mode: 0o644 });
    renameSync(partial, cacheFile);
  } catch {
    rmSync(partial, { force: true });
  }
}
