#!/usr/bin/env -S node --
import { existsSync } from "node:fs";
import { loadWithCodeCache } from "./code-cache.js";
import { main } from "./main.js";
import type * as RunHere from "./run-here.js";

const args = process.argv.slice(2);
// Built, this file holds only what hands a command to a running bot; the rest of the program is one file beside it
// (`npm run build`), loaded with V8's compiled code only when the command runs here. From the sources, it is their
// modules.
const compiled = new URL("./ambassador.cjs", import.meta.url);
const loadCompiled = async (): Promise<typeof RunHere> => {
  const program = loadWithCodeCache(
    compiled,
    /^[a-z][a-z-]{0,19}$/.test(args[0] ?? "") ? String(args[0]) : "bot",
  );
  // Kept after a run that went well: a mistyped command or a failure compiles little of what the command needs.
  process.once("exit", (code) => code === 0 && program.keep());
  return program.exports as typeof RunHere;
};

// A reader that went away (`| head -1`) is no reason to stop a command half-way: its answer goes nowhere, and the
// command still finishes, is audited and sets its exit code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}

void main(
  args,
  { env: process.env, stdin: process.stdin, stdout: process.stdout, stderr: process.stderr },
  existsSync(compiled) ? loadCompiled : undefined,
).then((code) => {
  process.exitCode = code;
});
