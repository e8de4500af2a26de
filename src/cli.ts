#!/usr/bin/env node
import { runClustersFromEnvironment } from "./terminal/clusters-cli.js";

const [command, ...args] = process.argv.slice(2);
if (command === "clusters") {
  const result = await runClustersFromEnvironment(args);
  if (result.output) (result.exitCode === 0 ? console.log : console.error)(result.output);
  process.exitCode = result.exitCode;
} else {
  console.log("usage: ambassador <command> [arguments]");
}
