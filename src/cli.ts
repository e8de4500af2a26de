#!/usr/bin/env node
import { existsSync } from "node:fs";
import { requireWithCodeCache } from "./code-cache.js";
import type * as Program from "./main.js";

// Built, the program is one file beside this one (`npm run build`); run from the sources, it is their modules.
const compiled = new URL("./ambassador.cjs", import.meta.url);
const { main }: typeof Program = existsSync(compiled)
  ? (requireWithCodeCache(compiled) as typeof Program)
  : await import("./main.js");

process.exitCode = await main(process.argv.slice(2), {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
