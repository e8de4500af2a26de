#!/usr/bin/env node
import { existsSync } from "node:fs";
import { loadWithCodeCache } from "./code-cache.js";
import type * as Program from "./main.js";

const args = process.argv.slice(2);
// Built, the program is one file beside this one (`npm run build`); run from the sources, it is their modules.
const compiled = new URL("./ambassador.cjs", import.meta.url);
const loaded = existsSync(compiled)
  ? loadWithCodeCache(compiled, /^[a-z][a-z-]{0,19}$/.test(args[0] ?? "") ? (args[0] as string) : "bot")
  : undefined;
const { main }: typeof Program = loaded ? (loaded.exports as typeof Program) : await import("./main.js");

process.exitCode = await main(args, {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  // A command handed to a running bot compiled next to nothing here: its code is not worth keeping.
  ranHere: () => process.once("exit", () => loaded?.keep()),
});
