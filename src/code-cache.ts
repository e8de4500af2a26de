import { isAscii } from "node:buffer";
import { accessSync, constants, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire, Module } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Script } from "node:vm";

/** A CommonJS file run with V8's compiled code, and how to keep the code this run compiled for the next. */
export interface CompiledProgram {
  exports: unknown;
  /** Saves the code compiled so far as `variant`'s, unless it was read from there and V8 took it. */
  keep(): void;
}

/** The first line of a built program: `// build <id>`, which names its compiled code. */
const buildLine = /^\/\/ build ([0-9a-f]{12})\n/;

function readOrNothing(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Runs a CommonJS file as `require` would, compiled with V8's code kept beside it under the build's ID (its first
 * line): `<file>.<build>.<variant>.cache`, else `<file>.<build>.cache`, which the build makes. Each command keeps its
 * own once it has run here (the folder may be written), since the code one command compiles is not another's. V8
 * checks little more than the source's length before it takes code: the build's ID keeps one build's code from
 * another's. A cache this Node cannot use is made again.
 */
export function loadWithCodeCache(url: URL, variant: string): CompiledProgram {
  const filename = fileURLToPath(url);
  const bytes = readFileSync(filename);
  // ASCII read as Latin-1 is the same text, without decoding UTF-8.
  const source = bytes.toString(isAscii(bytes) ? "latin1" : "utf8");
  const build = buildLine.exec(source.slice(0, 32))?.[1];
  const own = build && `${filename}.${build}.${variant}.cache`;
  const ownData = own ? readOrNothing(own) : undefined;
  const cachedData = ownData ?? (build ? readOrNothing(`${filename}.${build}.cache`) : undefined);
  const script = new Script(Module.wrap(source), { filename, cachedData });
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(filename), module, filename, dirname(filename));
  return {
    exports: module.exports,
    keep() {
      if (!own || (ownData && !script.cachedDataRejected)) return;
      try {
        accessSync(dirname(filename), constants.W_OK);
      } catch {
        return;
      }
      writeWhole(own, script.createCachedData());
    },
  };
}

/** Written whole or not at all, so a process reading it meanwhile never sees half of it. */
function writeWhole(file: string, data: Buffer): void {
  const partial = `${file}.${process.pid}`;
  try {
    writeFileSync(partial, data, { mode: 0o644 });
    renameSync(partial, file);
  } catch {
    rmSync(partial, { force: true });
  }
}
