import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sendClustersCommand } from "../../../src/terminal/clusters-socket-client.js";
import {
  type ClustersSocketServer,
  listenForClustersCommands,
} from "../../../src/terminal/clusters-socket-server.js";

let dir: string;
let server: ClustersSocketServer;
const seen: { args: string[]; cwd?: string }[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-sock-"));
  seen.length = 0;
  server = await listenForClustersCommands(
    join(dir, "ambassador.json.sock"),
    async (args, context) => {
      seen.push({ args, cwd: context?.cwd });
      return { exitCode: 0, output: `ran ${args.join(" ")}` };
    },
    pino({ level: "silent" }),
  );
});

afterEach(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function rawExchange(payload: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(server.path);
    let answer = "";
    socket.on("data", (chunk) => {
      answer += String(chunk);
    });
    socket.on("error", () => resolve(answer));
    socket.on("close", () => resolve(answer));
    socket.write(payload);
  });
}

describe("the bot's clusters socket", () => {
  it("runs the words it is handed, from the folder they were typed in", async () => {
    const answer = await sendClustersCommand(server.path, { argv: ["test", "clustera"], cwd: "/srv" });
    expect(answer).toEqual({ exitCode: 0, output: "ran test clustera" });
    expect(seen).toEqual([{ args: ["test", "clustera"], cwd: "/srv" }]);
  });

  it("refuses what is not a clusters request, runs nothing, and keeps serving", async () => {
    for (const bad of [
      "not json\n",
      `${JSON.stringify({ argv: ["list"], cwd: "relative/dir" })}\n`,
      `${JSON.stringify({ argv: ["list"], cwd: "/", env: { DOCKER_HOST: "tcp://evil" } })}\n`,
      `${JSON.stringify({ argv: "list", cwd: "/" })}\n`,
    ]) {
      const answer = JSON.parse(await rawExchange(bad));
      expect(answer.exitCode).toBe(2);
      expect(answer.output).toMatch(/^error: the request to the running bot was not understood/);
    }
    const huge = JSON.parse(await rawExchange(Buffer.alloc(100 * 1024, "a")));
    expect(huge).toMatchObject({ exitCode: 2, output: expect.stringContaining("longer than 65536 bytes") });
    expect(seen).toEqual([]);
    expect(await sendClustersCommand(server.path, { argv: ["list"], cwd: "/" })).toMatchObject({
      exitCode: 0,
    });
  });

  it("answers undefined when nobody listens, so the caller can say who holds the store", async () => {
    await server.close();
    expect(await sendClustersCommand(server.path, { argv: ["list"], cwd: "/" })).toBeUndefined();
  });
});
