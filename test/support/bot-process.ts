import { spawn } from "node:child_process";
import { type LineChild, spawnLines } from "./child-lines.js";

const cli = new URL("../../src/cli.ts", import.meta.url).pathname;
/** Node's flag that runs TypeScript, as `npm start` does, without depending on the working folder. */
export const tsxLoader = new URL("../../node_modules/tsx/dist/loader.mjs", import.meta.url).pathname;

/** `ambassador <args>` run once from `cwd`, as a second process beside the bot. */
export function ambassador(args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", tsxLoader, cli, ...args], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += String(chunk);
    });
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The bot at its terminal prompt (`npm start` with no Slack variable), as a process of its own. */
export interface BotProcess extends LineChild {
  /** Types `line` at the prompt and resolves to what the bot printed once `until` matches it. */
  ask(line: string, until: RegExp): Promise<string>;
}

export async function startTerminalBot(env: NodeJS.ProcessEnv): Promise<BotProcess> {
  const bot = spawnLines(process.execPath, ["--import", tsxLoader, cli], env);
  let output = "";
  bot.child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  await bot.next((line) => line.startsWith("Ambassador: type a command"));
  // The first prompt comes after the greeting; an answer must not be mistaken for it.
  for (let waited = 0; !/ambassador> $/.test(output); waited += 50) {
    if (waited > 30_000) throw new Error(`no first prompt; got: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return Object.assign(bot, {
    async ask(line: string, until: RegExp) {
      output = "";
      bot.child.stdin?.write(`${line}\n`);
      for (let waited = 0; !until.test(output); waited += 50) {
        if (waited > 30_000) throw new Error(`no ${until} after "${line}"; got: ${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return output;
    },
  });
}
