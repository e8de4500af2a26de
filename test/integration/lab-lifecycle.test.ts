import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const exec = promisify(execFile);
const script = new URL("../../lab/lab.sh", import.meta.url).pathname;
const labId = "90";
const env = {
  ...process.env,
  AMBASSADOR_LAB_ID: labId,
  AMBASSADOR_LAB_DIR: `/var/lib/ambassador-lab/${labId}`,
};

async function lab(command: string) {
  const options = command === "up" ? ["--no-register", "--no-app"] : [];
  return exec("bash", [script, command, ...options], { env, maxBuffer: 8 * 1024 * 1024 });
}

async function sh(command: string): Promise<string> {
  return (await exec("bash", ["-c", command])).stdout;
}

/** What a lab may change on the machine: namespaces, links, iptables rules, processes, files. */
async function traces(): Promise<string> {
  return [
    await sh(`ip netns list | grep -w amb${labId}- || true`),
    await sh(`ip -o link | grep -E 'ambbr${labId}|vamb${labId}' || true`),
    await sh(`iptables -S | grep ambbr${labId} || true`),
    await sh(`pgrep -af -- '/run/amb${labId}-[ab]/' || true`),
    await sh(
      `ls -d /var/lib/ambassador-lab/${labId} /run/amb${labId}-a /run/amb${labId}-b 2>/dev/null || true`,
    ),
  ].join("");
}

describe("lab up and down", () => {
  it("starts two TLS engines, is harmless when run twice, and leaves no trace when taken down", async () => {
    expect(await traces()).toBe("");
    const first = await lab("up");
    expect(first.stdout).toContain(`clustera: /var/lib/ambassador-lab/${labId}/clustera/bundle/docker.env`);
    expect(first.stdout).toContain(`clusterb: /var/lib/ambassador-lab/${labId}/clusterb/bundle/docker.env`);
    const bundle = await readFile(`/var/lib/ambassador-lab/${labId}/clusterb/bundle/docker.env`, "utf8");
    expect(bundle).toContain(`export DOCKER_HOST=tcp://10.213.${labId}.3:2376`);
    expect(bundle).toContain("export DOCKER_TLS_VERIFY=1");

    const pidBefore = await readFile(`/var/lib/ambassador-lab/${labId}/clustera/dockerd.pid`, "utf8");
    await lab("up");
    const pidAfter = await readFile(`/var/lib/ambassador-lab/${labId}/clustera/dockerd.pid`, "utf8");
    expect(pidAfter).toBe(pidBefore);
    expect((await lab("status")).stdout).toMatch(/clustera: up[\s\S]*clusterb: up/);

    await lab("down");
    expect(await traces()).toBe("");
  });

  it("cleans up after a crash of both engines", async () => {
    await lab("up");
    const docker = `DOCKER_HOST=unix:///run/amb${labId}-a/docker.sock docker`;
    await sh(`${docker} run -d --name survivor ambassador-lab/toolbox:latest`);
    const pid = (await sh(`${docker} inspect -f '{{.State.Pid}}' survivor`)).trim();
    expect(pid).toMatch(/^[1-9]\d*$/);
    await sh(
      `kill -9 $(cat /var/lib/ambassador-lab/${labId}/clustera/dockerd.pid) $(cat /var/lib/ambassador-lab/${labId}/clusterb/dockerd.pid)`,
    );
    await lab("down");
    expect(await traces()).toBe("");
    // A killed process whose parent died waits for init to reap it; a zombie runs nothing.
    const state = await sh(`awk '{ print $3 }' /proc/${pid}/stat 2>/dev/null || echo gone`);
    expect(["gone\n", "Z\n"]).toContain(state);
  });

  it("refuses to start for a user who is not root, and says why", async () => {
    const failure = await exec(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", "bash", script, "up"],
      {
        env,
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1 });
    expect((failure as { stderr: string }).stderr.trim()).toBe(
      "lab: must run as root (it creates network namespaces and starts dockerd); try: sudo npm run lab:up",
    );
    expect(await traces()).toBe("");
  });
});
