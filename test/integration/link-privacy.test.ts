import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LinkRecord } from "../../src/domain/link.js";
import { createLinkEngine } from "../../src/engine/link-engine.js";
import { probePath } from "../../src/engine/path-probe.js";
import type { LinkResult } from "../../src/engine/types.js";
import { lab, testLabel } from "../lab.js";
import { connectFrom, makePki, tlsArchive, toolboxGet } from "../support/ambassador-image.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  httpGet,
  startApp,
  tester,
} from "../support/engine-fixture.js";
import { testAuthority } from "../support/memory-links.js";

const run = promisify(execFile);
const helloLink = { alias: "helloapp", web: "hello-web:latest" };

/** A third host on the lab's bridge, standing in for a stranger on host A's network. */
async function addStranger(): Promise<string> {
  const { id, bridgeIp } = lab();
  const name = `amb${id}-stranger`;
  const address = `${bridgeIp.replace(/\.1$/, "")}.50`;
  await run("ip", ["netns", "del", name]).catch(() => undefined);
  await run("ip", ["link", "del", `amb${id}strg`]).catch(() => undefined);
  await run("ip", ["netns", "add", name]);
  await run("ip", ["link", "add", `amb${id}strg`, "type", "veth", "peer", "name", "eth0", "netns", name]);
  await run("ip", ["link", "set", `amb${id}strg`, "master", `ambbr${id}`, "up"]);
  await run("ip", ["-n", name, "addr", "add", `${address}/24`, "dev", "eth0"]);
  await run("ip", ["-n", name, "link", "set", "eth0", "up"]);
  return name;
}

async function removeStranger(): Promise<void> {
  const { id } = lab();
  await run("ip", ["netns", "del", `amb${id}-stranger`]).catch(() => undefined);
  await run("ip", ["link", "del", `amb${id}strg`]).catch(() => undefined);
}

/** What an HTTP GET to host:port answers from inside network namespace `netns` (empty when nothing came back). */
async function getFrom(netns: string, address: string): Promise<string> {
  const request =
    "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | timeout 3 socat -t 2 - TCP:$0,connect-timeout=2 || true";
  const { stdout } = await run("nsenter", [`--net=/var/run/netns/${netns}`, "sh", "-c", request, address]);
  return stdout;
}

/** What `url` answers once it says Hello World!, asked every half second for `withinMs`; else its last answer. */
async function helloWithin(url: string, withinMs: number): Promise<string> {
  const started = Date.now();
  let answer = "";
  while (Date.now() - started < withinMs && !answer.includes("Hello World!")) {
    answer = await httpGet(url, 1).catch(() => "");
    if (!answer.includes("Hello World!")) await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return answer;
}

/**
 * Captures, with tcpdump, what crosses host A's cable (its veth on the lab bridge) to or from `port` while `traffic`
 * runs; resolves to the raw capture and its packet count. Immediate mode: without it packets wait in the kernel's
 * capture buffer and are lost when tcpdump stops.
 */
async function captureWire(
  port: number,
  traffic: () => Promise<void>,
): Promise<{ bytes: Buffer; packets: number }> {
  const file = join(await mkdtemp(join(tmpdir(), "amb-wire-")), "wire.pcap");
  const tcpdump = spawn("tcpdump", [
    "-i",
    `vamb${lab().id}a`,
    "--immediate-mode",
    "-U",
    "-s",
    "0",
    "-w",
    file,
    "tcp",
    "port",
    String(port),
  ]);
  const listening = new Promise<void>((resolve, reject) => {
    tcpdump.stderr.on("data", (chunk: Buffer) => {
      if (chunk.toString().includes("listening on")) resolve();
    });
    tcpdump.on("error", reject);
    tcpdump.on("exit", (code) => reject(new Error(`tcpdump exited with ${code}`)));
  });
  await listening;
  await traffic();
  const exited = new Promise((resolve) => tcpdump.on("exit", resolve));
  tcpdump.kill("SIGINT");
  await exited;
  const { stdout } = await run("tcpdump", ["-r", file, "-nn"]);
  return { bytes: await readFile(file), packets: stdout.split("\n").filter(Boolean).length };
}

function sourcePort(result: LinkResult): number {
  const port = result.mappings.find((m) => m.container === result.source.name)?.hostPort;
  if (!port) throw new Error("the link publishes no source port");
  return port;
}

describe("private links on the lab", () => {
  let fx: EngineFixture;
  let stranger: string;

  beforeAll(async () => {
    fx = await engineFixture(lab());
    await cleanUp(fx);
    await startApp(fx.a);
    stranger = await addStranger();
  });

  afterAll(async () => {
    await removeStranger();
    await cleanUp(fx);
  });

  /** An engine over the same hosts and store whose ambassadors relay in user space (a host without NET_ADMIN). */
  const relayEngine = () =>
    createLinkEngine({ clusters: fx.clusters, links: fx.links, authority: testAuthority(), mode: "relay" });

  it.each([
    ["mTLS", false],
    ["plaintext", true],
  ] as const)(
    "keeps a stranger on host A's network away from app over a %s link, its port closed to it; host B gets through",
    async (_, plaintext) => {
      const result = await fx.engine.link("app", "clustera", "clusterb", { ...helloLink, plaintext }, tester);
      const address = `${lab().clustera.ip}:${sourcePort(result)}`;
      // A port scan from the stranger finds the port closed: the kernel refuses it before any process answers.
      expect(await connectFrom(stranger, lab().clustera.ip, sourcePort(result))).toBe("refused");
      expect(await getFrom(stranger, address)).not.toContain("Hello World!");
      if (plaintext) expect(await getFrom(lab().clusterb.netns, address)).toContain("Hello World!");
      expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
      await fx.engine.teardown(result.link.id, tester);
      await expectClean(fx);
    },
  );

  it("drops a connection from the admitted host that never starts TLS within seconds, and the link works meanwhile", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    const address = `${lab().clustera.ip}:${sourcePort(result)}`;
    // Held open from host B, whose address the source admits, saying nothing: how long until the ambassador closes it.
    const held =
      "s=$(date +%s%N); timeout 30 socat -u TCP:$0,connect-timeout=2 /dev/null; echo $(( ($(date +%s%N) - s) / 1000000 ))";
    const holding = run("nsenter", [
      `--net=/var/run/netns/${lab().clusterb.netns}`,
      "sh",
      "-c",
      held,
      address,
    ]);
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    const heldMs = Number((await holding).stdout.trim());
    expect(heldMs).toBeGreaterThan(4_000);
    expect(heldMs).toBeLessThan(8_000);
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("starts the target ambassador again in the consumer's new namespace when the consumer restarts, with no repair", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    const web = result.webUrls[0] ?? "";
    expect(await httpGet(web)).toContain("Hello World!");
    await fx.b.getContainer("web").restart({ t: 0 });
    expect(await helloWithin(web, 15_000)).toContain("Hello World!");
    const ambassador = await fx.b.getContainer(result.target.id).inspect();
    expect(ambassador.RestartCount).toBeGreaterThanOrEqual(1);
    expect(await probePath(fx.clusters, result.link, 5_000)).toBeUndefined();
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("lets nothing on host B but the consumer's namespace reach the link, whose listeners are on its loopback", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    expect(result.link.wiring).toBe("shared");
    const web = await fx.b.getContainer("web").inspect();
    const address = web.NetworkSettings.Networks.bridge?.IPAddress;
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // In the consumer's namespace, the alias reaches app through the link.
    expect(await toolboxGet(fx.b, `container:${web.Id}`, "http://helloapp:5000/")).toBe("Hello World!\n");
    // A neighbour on B's default bridge reaches the consumer's own port, never the link's listener.
    expect(await toolboxGet(fx.b, "bridge", `http://${address}:61000/`, 2_000)).toMatch(/refused/i);
    expect(await getFrom(lab().clusterb.netns, `${address}:61000`)).not.toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("lets only the containers on an mTLS link's target network reach it, never a process of host B itself", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, tester);
    expect(result.link.wiring).toBe("networks");
    const network = `ambassador-${result.link.id}-target`;
    const target = await fx.b.getContainer(result.target.id).inspect();
    const address = target.NetworkSettings.Networks[network]?.IPAddress;
    expect(address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // A container connected to the network, as a consumer is, reaches app by the alias.
    expect(await toolboxGet(fx.b, network, "http://helloapp:5000/")).toBe("Hello World!\n");
    // Host B's own processes reach the network's addresses through its gateway, and are refused.
    expect(await connectFrom(lab().clusterb.netns, address as string, 5000)).toBe("refused");
    expect(await getFrom(lab().clusterb.netns, `${address}:5000`)).not.toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("shows a source ambassador Docker-linked to an app since removed and run again as such, and repair links the new one", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    const id = result.link.id;
    const sourceState = async () =>
      (await fx.engine.stagedList({ ids: [id] })).now.views[0]?.containers.find((c) => c.role === "source")
        ?.state;
    expect(await sourceState()).toBe("running");
    // A squatter holds the removed app's address, so the new app comes up on another one.
    const old = (await fx.a.getContainer("app").inspect()).NetworkSettings.Networks.bridge?.IPAddress;
    await fx.a.getContainer("app").remove({ force: true });
    const squatter = await fx.a.createContainer({
      Image: "hello-app:latest",
      Cmd: ["sh", "-c", "mkdir /w && echo squatter >/w/index.html && exec httpd -f -p 5000 -h /w"],
      name: "squatter",
      Labels: { [testLabel]: "1" },
    });
    await squatter.start();
    await startApp(fx.a);
    expect((await fx.a.getContainer("app").inspect()).NetworkSettings.Networks.bridge?.IPAddress).not.toBe(
      old,
    );
    expect(await sourceState()).toBe("disconnected");
    const mended = await fx.engine.repair(id, tester);
    expect(mended.recreated.map((part) => part.role)).toContain("source");
    expect(await sourceState()).toBe("running");
    expect(await helloWithin(mended.webUrls[0] ?? "", 10_000)).toContain("Hello World!");
    await squatter.remove({ force: true });
    await fx.engine.teardown(id, tester);
    await expectClean(fx);
  });

  it.each([
    ["mTLS", false],
    ["plaintext", true],
  ] as const)(
    "the wire between the hosts carries app's bytes over a %s link only when plaintext",
    async (_, plaintext) => {
      const result = await fx.engine.link("app", "clustera", "clusterb", { ...helloLink, plaintext }, tester);
      const web = result.webUrls[0] ?? "";
      expect(await httpGet(web)).toContain("Hello World!");
      const wire = await captureWire(sourcePort(result), async () => {
        for (let i = 0; i < 5; i++) expect(await httpGet(web)).toContain("Hello World!");
      });
      expect(wire.packets).toBeGreaterThan(10);
      expect(wire.bytes.includes("Hello World!")).toBe(plaintext);
      await fx.engine.teardown(result.link.id, tester);
      await expectClean(fx);
    },
  );

  it.each([
    [
      "mTLS, no network, the source ambassador Docker-linked to app on the default bridge",
      "app",
      { legacyLinks: false },
      "shared",
    ],
    [
      "mTLS, the link's networks, for an app on a network of its own",
      "netapp",
      { legacyLinks: false },
      "networks",
    ],
    ["mTLS, legacy links, where Docker rewrites /etc/hosts", "app", { legacyLinks: true }, "legacy-links"],
    [
      "relay, the link's networks, for an app on a network of its own",
      "netapp",
      { legacyLinks: false, plaintext: true },
      "networks",
    ],
    [
      "relay, legacy links, where Docker rewrites /etc/hosts",
      "app",
      { legacyLinks: true, plaintext: true },
      "legacy-links",
    ],
  ] as const)(
    "follows app onto another address within 15 s, with no repair: %s",
    async (_, app, wiring, expectedWiring) => {
      if (app === "netapp") {
        // A user-defined network of its own, off the default bridge: the link joins it to a network of the link's.
        await fx.a.createNetwork({ Name: "apps", Labels: { [testLabel]: "1" } });
        const own = await fx.a.createContainer({
          Image: "hello-app:latest",
          name: app,
          Labels: { [testLabel]: "1" },
          HostConfig: { NetworkMode: "apps" },
        });
        await own.start();
      }
      const engine = "plaintext" in wiring ? relayEngine() : fx.engine;
      const result = await engine.link(app, "clustera", "clusterb", { ...helloLink, ...wiring }, tester);
      expect(result.link.wiring).toBe(expectedWiring);
      expect(result.source.mode).toBe("plaintext" in wiring ? "relay" : "tls");
      const web = result.webUrls[0] ?? "";
      expect(await httpGet(web)).toContain("Hello World!");
      const before = (await fx.a.getContainer(app).inspect()).NetworkSettings.Networks;
      await fx.a.getContainer(app).stop({ t: 0 });
      // Another container takes the address app had, so app must come back elsewhere; it answers as app would not.
      // Docker hands addresses out in turn, so squatters are started until one has it.
      const squatters: Docker.Container[] = [];
      for (const [network, endpoint] of Object.entries(before)) {
        for (let i = 0; i < 40; i++) {
          const squatter = await fx.a.createContainer({
            Image: "hello-app:latest",
            Cmd: ["sh", "-c", "mkdir /w && echo squatter >/w/index.html && exec httpd -f -p 5000 -h /w"],
            name: `squatter-${i}-${network}`.slice(0, 60),
            Labels: { [testLabel]: "1" },
            HostConfig: { NetworkMode: network },
          });
          squatters.push(squatter);
          await squatter.start();
          const held = (await squatter.inspect()).NetworkSettings.Networks[network]?.IPAddress;
          if (held === endpoint?.IPAddress) break;
        }
      }
      await fx.a.getContainer(app).start();
      const after = (await fx.a.getContainer(app).inspect()).NetworkSettings.Networks;
      expect(Object.keys(after).map((n) => after[n]?.IPAddress)).not.toEqual(
        Object.keys(before).map((n) => before[n]?.IPAddress),
      );
      expect(await helloWithin(web, 15_000)).toContain("Hello World!");
      for (const squatter of squatters) await squatter.remove({ force: true });
      await engine.teardown(result.link.id, tester);
      if (app === "netapp") {
        await fx.a.getContainer(app).remove({ force: true });
        await fx.a.getNetwork("apps").remove();
      }
      await expectClean(fx);
    },
  );

  it("proves the path from the target ambassador: broken while app is stopped, working again once it is back", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    expect(await probePath(fx.clusters, result.link, 5_000)).toBeUndefined();
    await fx.a.getContainer("app").stop({ t: 0 });
    expect(await probePath(fx.clusters, result.link, 5_000)).toMatch(/^source ambassador on clustera: /);
    await fx.a.getContainer("app").start();
    let problem: string | undefined = "not checked";
    for (let i = 0; i < 30 && problem; i++) {
      problem = await probePath(fx.clusters, result.link, 5_000);
      if (problem) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(problem).toBeUndefined();
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("reports a source whose certificate the target no longer trusts as broken, and repair issues fresh ones", async () => {
    const result = await fx.engine.link("app", "clustera", "clusterb", helloLink, tester);
    expect(await httpGet(result.webUrls[0] ?? "")).toContain("Hello World!");
    const source = fx.a.getContainer(result.source.name);
    // A certificate of another CA, with the right name: the target's check must be of the issuer, not the name.
    const foreign = await makePki(`ambassador-${result.link.id}-source`);
    await source.putArchive(await tlsArchive(foreign, `ambassador-${result.link.id}-source`), {
      path: "/run/ambassador/tls",
    });
    await source.restart({ t: 0 });
    expect(await probePath(fx.clusters, result.link, 5_000)).toMatch(/^target ambassador on clusterb: /);

    const repaired = await fx.engine.repair(result.link.id, tester);
    expect(repaired.status).toBe("repaired");
    expect(repaired.recreated.map((p) => `${p.role} on ${p.cluster}`)).toContain("source on clustera");
    expect(await probePath(fx.clusters, fx.links.get(result.link.id) as LinkRecord, 5_000)).toBeUndefined();
    expect(await httpGet(repaired.webUrls[0] ?? "")).toContain("Hello World!");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });
});
