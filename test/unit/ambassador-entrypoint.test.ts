import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const entrypoint = new URL("../../ambassador/entrypoint.sh", import.meta.url).pathname;

// The FIFO an ambassador waits on is made at its first wait, at a fixed place a container's /run holds; run here as
// root, the script makes it on this machine, where nothing else would remove it.
const pauseFifo = "/run/ambassador-pause";
const hadPauseFifo = existsSync(pauseFifo);
afterAll(async () => {
  if (!hadPauseFifo) await rm(pauseFifo, { force: true });
});

/** Runs the ambassador's entrypoint with only these variables, as a container would start it. */
function start(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync("sh", [entrypoint], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", APP_PORT_5000_TCP: "tcp://app:5000", ...env },
    encoding: "utf8",
    timeout: 10_000,
  });
  return { status: run.status, stderr: run.stderr };
}

describe("the ambassador's checks of its settings, before it forwards a byte", () => {
  it.each([
    ["foo", "foo"],
    ["10.0.0.1,foo", "foo"],
    ["10.0.0.1/32,10.0.0.0/8,bad.example", "bad.example"],
    ["*", "*"],
    ["1.2.3.4 5", "1.2.3.4 5"],
    [" , ", " , "],
  ])("refuses AMBASSADOR_ADMIT=%s, naming the bad entry wherever it stands", (admit, bad) => {
    expect(start({ AMBASSADOR_ADMIT: admit, AMBASSADOR_MODE: "relay" })).toEqual({
      status: 2,
      stderr: `ambassador: AMBASSADOR_ADMIT must be comma-separated IPv4 CIDRs such as 10.0.0.3/32, got '${bad}'\n`,
    });
  });

  it("refuses a peer name that HAProxy would read as an option", () => {
    const peer = "ambassador-1-target,-f";
    expect(
      start({ AMBASSADOR_MODE: "tls", AMBASSADOR_TLS_ROLE: "server", AMBASSADOR_TLS_PEER: peer }),
    ).toEqual({
      status: 2,
      stderr: `ambassador: AMBASSADOR_TLS_PEER names may not start with '-', got '${peer}'\n`,
    });
  });

  it.each([
    [
      "server",
      "127.0.0.2",
      "AMBASSADOR_CONSUMER_ADDRESS is for the client beside the consumer, not the server",
    ],
    [
      "client",
      "10.0.0.2",
      "AMBASSADOR_CONSUMER_ADDRESS must be a loopback address such as 127.0.0.2, got '10.0.0.2'",
    ],
    [
      "client",
      "127.0.0.1",
      "AMBASSADOR_CONSUMER_ADDRESS must be a loopback address other than 127.0.0.1, such as 127.0.0.2, got '127.0.0.1'",
    ],
    [
      "client",
      "127.0.0.2;x",
      "AMBASSADOR_CONSUMER_ADDRESS must be a loopback address other than 127.0.0.1, such as 127.0.0.2, got '127.0.0.2;x'",
    ],
  ])("refuses a %s with AMBASSADOR_CONSUMER_ADDRESS=%s", (role, address, said) => {
    expect(
      start({
        AMBASSADOR_MODE: "tls",
        AMBASSADOR_TLS_ROLE: role,
        AMBASSADOR_TLS_PEER: "ambassador-1-source",
        AMBASSADOR_CONSUMER_ADDRESS: address,
      }),
    ).toEqual({ status: 2, stderr: `ambassador: ${said}\n` });
  });

  it("refuses a consumer address in relay mode, where nothing would redirect to it", () => {
    expect(start({ AMBASSADOR_MODE: "relay", AMBASSADOR_CONSUMER_ADDRESS: "127.0.0.2" })).toEqual({
      status: 2,
      stderr:
        "ambassador: AMBASSADOR_CONSUMER_ADDRESS is for tls mode's client beside the consumer; unset it in relay mode\n",
    });
  });

  it("takes no route from the copies Docker's links make of the linked container's environment", () => {
    const run = spawnSync("sh", [entrypoint, "probe"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HELLOAPP_PORT_5000_TCP: "tcp://127.0.0.1:9",
        HELLOAPP_ENV_DB_PORT_5432_TCP: "tcp://db.invalid:5432",
      },
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(run.stdout).toMatch(/^ambassador: probe: :5000 -> 127\.0\.0\.1:9: /);
    expect(run.stdout).not.toContain("5432");
    expect(run.status).toBe(1);
  });
});

describe("the ambassador's word that it is ready", () => {
  it("is never given while HAProxy has not taken nobody's uid, which it does once its ports are bound", async () => {
    // An HAProxy that starts and stays as it was started: as if it never got past binding (a name that resolves
    // slowly, say).
    const dir = await mkdtemp(join(tmpdir(), "ambassador-haproxy-"));
    try {
      await writeFile(join(dir, "haproxy"), "#!/bin/sh\nexec sleep 60\n");
      await chmod(join(dir, "haproxy"), 0o755);
      const run = spawn("sh", [entrypoint], {
        env: {
          PATH: `${dir}:${process.env.PATH ?? "/usr/bin:/bin"}`,
          APP_PORT_5000_TCP: "tcp://127.0.0.1:5000",
          AMBASSADOR_MODE: "relay",
        },
        detached: true,
      });
      let said = "";
      for (const stream of [run.stdout, run.stderr]) {
        stream.on("data", (chunk) => {
          said += chunk;
        });
      }
      const late =
        "ambassador: HAProxy has not bound its ports after 6 s; a destination's name may resolve slowly\n";
      const deadline = Date.now() + 13_000;
      while (!said.includes(late) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(said).toBe(`ambassador: mode relay\nambassador: :5000 -> 127.0.0.1:5000\n${late}`);
      // It goes on waiting, HAProxy still running; both are stopped here, as Docker stops the container.
      const closed = new Promise((resolve) => run.on("close", resolve));
      process.kill(-(run.pid ?? 0), "SIGKILL");
      await closed;
      expect(said).not.toContain("ready");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 15_000);
});
