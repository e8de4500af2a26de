import { execFile, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab, labDocker } from "../lab.js";
import { httpGet } from "../support/engine-fixture.js";

const exec = promisify(execFile);
const repo = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/** The environment of a newcomer's shell: the lab to use, and no store, key or Slack settings of the test run. */
function newcomerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith("AMBASSADOR_") && !key.startsWith("SLACK_") && !key.startsWith("VITEST"),
    ),
  );
  return { ...env, AMBASSADOR_LAB_ID: lab().id, NODE_ENV: "" };
}

async function npm(cwd: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await exec("npm", ["run", "--silent", ...args], {
    cwd,
    env: newcomerEnv(),
    maxBuffer: 8 * 1024 * 1024,
  });
  return stdout + stderr;
}

/** `npm start` at a terminal: types the lines at the prompt and returns everything it printed. */
function npmStart(cwd: string, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn("npm", ["start", "--silent"], { cwd, env: newcomerEnv() });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(output) : reject(new Error(`npm start exited ${code}:\n${output}`)),
    );
    child.stdin.end(`${[...lines, "exit"].join("\n")}\n`);
  });
}

// Each `npm` here starts the CLI anew, as a person's shell does: slower than the engine tests.
describe("out of the box, from a fresh clone", { timeout: 240_000 }, () => {
  let dir: string;
  let clone: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ambassador-fresh-"));
    await chmod(dir, 0o700);
    clone = join(dir, "ambassador");
    const { stdout: head } = await exec("git", ["-C", repo, "rev-parse", "HEAD"]);
    await exec("git", ["clone", "--quiet", "--no-checkout", repo, clone]);
    await exec("git", ["-C", clone, "checkout", "--quiet", head.trim()]);
    // What `npm ci` would install, without the network.
    await symlink(join(repo, "node_modules"), join(clone, "node_modules"));
  });

  afterAll(async () => {
    await npm(clone, ["cli", "--", "teardown", "app"]).catch(() => undefined);
    await exec("bash", [join(clone, "lab/lab.sh"), "unregister"], { env: newcomerEnv() }).catch(
      () => undefined,
    );
    const a = await labDocker(lab().clustera);
    await a
      .getContainer("app")
      .remove({ force: true })
      .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it("npm start says how to get clusters; after npm run lab:up, the README's link answers Hello World! at its URL", async () => {
    expect(await npmStart(clone, [])).toContain(
      "No clusters are registered yet, so there is nothing to link. To get two:",
    );

    const up = await npm(clone, ["lab:up"]);
    const store = join(clone, "data/ambassador.json");
    expect(up).toContain(`registered clustera in ${store}`);
    expect(up).toContain(`registered clusterb in ${store}`);
    expect(up).toContain("app (hello-app) runs on clustera");

    const session = await npmStart(clone, ["link app clustera clusterb --web hello-web"]);
    expect(session).not.toContain("No clusters are registered yet");
    const url = /^Web: (http:\/\/\S+)$/m.exec(session)?.[1];
    expect(url, session).toMatch(new RegExp(`^http://${lab().clusterb.ip.replaceAll(".", "\\.")}:\\d+$`));
    expect(await httpGet(url ?? "")).toBe('The linked container says ... "Hello World!"\n');
  });

  it("lab:up run again keeps the registration working; unregistering (as lab:down does) removes only what it registered", async () => {
    await npm(clone, ["cli", "--", "teardown", "app"]);
    await npm(clone, ["lab:up"]);
    await npm(clone, ["cli", "--", "clusters", "add", "mine", "--docker-env", lab().clusterb.envFile]);
    expect(await npm(clone, ["cli", "--", "clusters", "test"])).toMatch(/clustera[\s\S]*clusterb[\s\S]*mine/);

    const { stdout } = await exec("bash", [join(clone, "lab/lab.sh"), "unregister"], { env: newcomerEnv() });
    expect(stdout).toContain(`unregistered clustera from ${join(clone, "data/ambassador.json")}`);
    const list = await npm(clone, ["cli", "--", "clusters", "list"]);
    expect(list).toMatch(/^mine /m);
    expect(list).not.toMatch(/^cluster[ab] /m);
  });
});
