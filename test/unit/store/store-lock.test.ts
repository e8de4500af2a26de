import { mkdtemp, readFile, rm } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Store } from "../../../src/store/store.js";
import { acquireStoreLock } from "../../../src/store/store-lock.js";
import { type LineChild, spawnLines } from "../../support/child-lines.js";

const fixture = new URL("../../fixtures/contend-store.ts", import.meta.url).pathname;

let dir: string;
let path: string;
const children: LineChild[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "amb-lock-"));
  path = join(dir, "data", "ambassador.json");
});

afterEach(async () => {
  for (const { child } of children.splice(0)) child.kill("SIGKILL");
  await rm(dir, { recursive: true, force: true });
});

/** A process that opens the store; with `host`, in a UTS namespace of its own under that host name. */
function contender(options: { now?: boolean; host?: string } = {}): LineChild {
  const node = [process.execPath, "--import", "tsx", fixture, path, ...(options.now ? ["--now"] : [])];
  const started = options.host
    ? spawnLines("unshare", ["--uts", "sh", "-c", `hostname ${options.host} && exec "$@"`, "sh", ...node])
    : spawnLines(node[0] as string, node.slice(1));
  children.push(started);
  return started;
}

/** A holder on another host name, killed with SIGKILL once it holds the store: what a removed container leaves. */
async function leaveStaleLock(): Promise<void> {
  const holder = contender({ now: true, host: "old-container" });
  await holder.next((line) => line.startsWith("held"));
  expect(JSON.parse(await readFile(`${path}.lock`, "utf8")).host).toBe("old-container");
  holder.child.kill("SIGKILL");
  await holder.exited;
}

/** Lets every racer try at once, and returns what each said (in order). */
async function race(racers: LineChild[]): Promise<string[]> {
  const waiting = racers.map(({ lines }) => (lines.at(-1) === "ready" ? lines.length - 1 : lines.length));
  await Promise.all(racers.map((racer, index) => racer.next((line) => line === "ready", waiting[index])));
  const from = racers.map((racer) => racer.lines.length);
  for (const racer of racers) racer.child.stdin?.write("go\n");
  return Promise.all(racers.map((racer, index) => racer.next((line) => line !== "ready", from[index])));
}

describe("the store's lock", () => {
  it("is taken over at once from a process killed with SIGKILL on another host name", async () => {
    await leaveStaleLock();
    const store = await Store.open(path);
    expect(JSON.parse(await readFile(`${path}.lock`, "utf8"))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    await store.close();
  }, 30_000);

  it("has exactly one winner when 8 processes take over a stale lock at once, every time", async () => {
    await leaveStaleLock();
    let racers = Array.from({ length: 8 }, () => contender());
    for (let round = 0; round < 10; round++) {
      const said = await race(racers);
      const winners = racers.filter((_, index) => said[index]?.startsWith("held"));
      expect(winners, `round ${round}: ${said.join(" | ")}`).toHaveLength(1);
      const winner = winners[0] as LineChild;
      for (const line of said.filter((line) => !line.startsWith("held")))
        expect(line).toContain(`is in use by process ${winner.child.pid} on ${hostname()}`);
      // The winner dies holding the lock: the next round takes over from it.
      winner.child.kill("SIGKILL");
      await winner.exited;
      racers = [...racers.filter((racer) => racer !== winner), contender()];
    }
  }, 120_000);

  it("stays held when an earlier lock on the same store is released again", async () => {
    await (await Store.open(path)).close();
    const earlier = await acquireStoreLock(path);
    await earlier.release();
    const later = await acquireStoreLock(path);
    await earlier.release();
    const [said] = await race([contender()]);
    expect(said).toMatch(new RegExp(`^refused: the store .* is in use by process ${process.pid} `));
    await later.release();
    const [then] = await race([contender()]);
    expect(then).toMatch(/^held /);
  }, 30_000);

  it("never displaces a live holder, whatever its host name, and is free once it exits", async () => {
    const holder = contender({ now: true, host: "live-container" });
    const held = await holder.next((line) => line.startsWith("held"));
    const holderPid = held.split(" ")[1];
    const said = await race(Array.from({ length: 8 }, () => contender()));
    for (const line of said)
      expect(line).toMatch(
        new RegExp(
          `^refused: the store .* is in use by process ${holderPid} on live-container .*; run this again once that command has finished or that bot is stopped$`,
        ),
      );
    await expect(Store.open(path)).rejects.toThrow(`in use by process ${holderPid} on live-container`);
    expect(holder.child.exitCode).toBeNull();
    holder.child.stdin?.end();
    expect(await holder.exited).toBe(0);
    const store = await Store.open(path);
    await store.close();
  }, 60_000);
});
