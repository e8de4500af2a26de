import { execFile } from "node:child_process";
import { chmod, copyFile, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lab, labDocker, removeTestObjects, testLabel } from "../lab.js";
import {
  connectFrom,
  execIn,
  getFrom,
  makePki,
  readyOrStopped,
  startAmbassador,
  type TestPki,
  tlsArchive,
  tlsInput,
  toolboxGet,
} from "../support/ambassador-image.js";
import { startApp } from "../support/engine-fixture.js";

const app = "amb-img-app";
const targetNet = "amb-img-net";
const sourceNet = "amb-img-anet";
const source = "amb-x-source";
const target = "amb-x-target";
const stranger = "amb-x-stranger";

/** A shell command's output (stderr included by the command itself), in a network namespace or here. */
async function inNetns(netns: string | undefined, command: string): Promise<string> {
  const argv = netns ? ["ip", "netns", "exec", netns, "sh", "-c", command] : ["sh", "-c", command];
  const { stdout } = await promisify(execFile)(argv[0] ?? "sh", argv.slice(1), { timeout: 10_000 });
  return stdout;
}

async function ipOn(docker: Docker, container: string, network: string): Promise<string> {
  const info = await docker.getContainer(container).inspect();
  return info.NetworkSettings.Networks[network]?.IPAddress ?? "";
}

/** Every process in the container as "<name> <uid> <effective capabilities>", one a line. */
function owners(container: Docker.Container): Promise<string> {
  return execIn(container, [
    "sh",
    "-c",
    'for s in /proc/[0-9]*/status; do n=""; while read -r k v rest; do case $k in Name:) n=$v ;; Uid:) u=$v ;; CapEff:) c=$v ;; esac; done <"$s"; echo "$n $u $c"; done',
  ]);
}

describe("the ambassador image", () => {
  const info = lab();
  const a = info.clustera;
  const b = info.clusterb;
  let da: Docker;
  let db: Docker;
  let pki: TestPki;

  const tlsSource = async (name: string, admit = `${b.ip}/32`, netAdmin = false, user?: string) =>
    startAmbassador(da, {
      netAdmin,
      user,
      name,
      env: [
        "APP_PORT_5000_TCP=tcp://app:5000",
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=server",
        `AMBASSADOR_TLS_PEER=${target}`,
        `AMBASSADOR_ADMIT=${admit}`,
      ],
      tls: await tlsArchive(pki, source),
      links: [`${app}:app`],
      publishOn: a.ip,
    });

  /** A consumer on host B (hello-web, running `cmd` when given), started. */
  const consumerOn = async (name: string, cmd?: string) => {
    const consumer = await db.createContainer({
      Image: "hello-web:latest",
      name,
      Cmd: cmd ? ["sh", "-c", cmd] : undefined,
      Labels: { [testLabel]: "1" },
      HostConfig: { NetworkMode: targetNet },
    });
    await consumer.start();
    return consumer;
  };

  /** A tls client ambassador in `consumer`'s namespace towards the source's port, its route on 127.0.0.2:5000. */
  const clientBeside = async (
    name: string,
    consumer: Docker.Container,
    sourcePort?: number,
    env: string[] = [],
  ) =>
    startAmbassador(db, {
      name,
      env: [
        ...env,
        `HELLOAPP_PORT_5000_TCP=tcp://${a.ip}:${sourcePort}`,
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=client",
        `AMBASSADOR_TLS_PEER=${source}`,
        "AMBASSADOR_CONSUMER_ADDRESS=127.0.0.2",
      ],
      tls: await tlsArchive(pki, target),
      network: `container:${consumer.id}`,
      ports: [],
      netAdmin: true,
    });

  /** What the consumer gets from the link at 127.0.0.2:5000. */
  const throughLink = (consumer: Docker.Container) =>
    execIn(consumer, ["wget", "-q", "-O", "-", "http://127.0.0.2:5000/"]);

  beforeAll(async () => {
    da = await labDocker(a);
    db = await labDocker(b);
    await removeTestObjects(da, db);
    pki = await makePki(source, target, stranger);
    await startApp(da, app);
    await db.createNetwork({ Name: targetNet, Labels: { [testLabel]: "1" } });
    await da.createNetwork({ Name: sourceNet, Labels: { [testLabel]: "1" } });
  });

  afterAll(async () => {
    await removeTestObjects(da, db);
  });

  it("tls: the consumer on host B gets the app's answer through two ambassadors speaking mutual TLS", async () => {
    const src = await tlsSource("amb-img-tls-src");
    expect(src.logs).toMatch(/^ambassador: mode tls$/m);
    const tgt = await startAmbassador(db, {
      name: "amb-img-tls-tgt",
      env: [
        `HELLOAPP_PORT_5000_TCP=tcp://${a.ip}:${src.hostPort}`,
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=client",
        `AMBASSADOR_TLS_PEER=${source}`,
      ],
      tls: await tlsArchive(pki, target),
      network: targetNet,
      alias: "helloapp",
    });
    expect(tgt.logs).toMatch(/^ambassador: ready$/m);
    expect(await toolboxGet(db, targetNet, "http://helloapp:5000/")).toBe("Hello World!\n");
    // HAProxy, which faces the network, runs as nobody with no capability; the entrypoint stays root. HAProxy drops
    // them once it has bound its ports, and the ambassador says it is ready only after that: one look suffices.
    for (const side of [src, tgt]) {
      const listing = await owners(side.container);
      expect(listing).toMatch(/^haproxy 65534 0{16}$/m);
      expect(listing).toMatch(/^ambassador 0 /m);
    }
  });

  it("tls: opens HAProxy's runtime socket only beside a source named through /etc/hosts, to follow it", async () => {
    const named = await tlsSource("amb-img-tls-named");
    const config = (container: Docker.Container) => execIn(container, ["cat", "/tmp/ambassador-haproxy.cfg"]);
    expect(await config(named.container)).toMatch(
      /^ {2}stats socket \/run\/ambassador-haproxy\.sock mode 600 level admin$/m,
    );
    const appIp = (await da.getContainer(app).inspect()).NetworkSettings.Networks.bridge?.IPAddress;
    const byAddress = await startAmbassador(da, {
      name: "amb-img-tls-address",
      env: [
        `APP_PORT_5000_TCP=tcp://${appIp}:5000`,
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=server",
        `AMBASSADOR_TLS_PEER=${target}`,
        `AMBASSADOR_ADMIT=${b.ip}/32`,
      ],
      tls: await tlsArchive(pki, source),
      publishOn: a.ip,
    });
    expect(byAddress.logs).toMatch(/^ambassador: ready$/m);
    expect(await config(byAddress.container)).not.toContain("stats socket");
  });

  it("tls: while it only watches /etc/hosts, a source ambassador starts no process", async () => {
    const src = await tlsSource("amb-img-tls-idle");
    expect(src.logs).toMatch(/^ambassador: ready$/m);
    // The last process ID given out in its PID namespace; each look is a `docker exec`, which takes some itself.
    const lastPid = async () => Number((await execIn(src.container, ["cat", "/proc/loadavg"])).split(" ")[4]);
    // Past its first look, which tells HAProxy where the app is.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // What one look costs varies with the host's load: the larger of two.
    const first = await lastPid();
    const second = await lastPid();
    const before = await lastPid();
    const oneLook = Math.max(second - first, before - second);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // One more for a look that took another thread: a process a second would be three.
    expect((await lastPid()) - before).toBeLessThanOrEqual(oneLook + 1);
  });

  it("tls: the source refuses a certificate with another name, and a client with none", async () => {
    const src = await tlsSource("amb-img-tls-peer");
    const port = src.hostPort ?? 0;
    const asTarget = await getFrom(b.netns, a.ip, port, { pki, as: target, expect: source });
    expect(asTarget).toContain("Hello World!");
    expect(await getFrom(b.netns, a.ip, port, { pki, as: stranger, expect: source })).toBe("");
    expect(await getFrom(b.netns, a.ip, port, { pki, expect: source })).toBe("");
  });

  it("tls: the target's next connection resumes its session, which the source keeps to itself (no ticket to open)", async () => {
    const src = await tlsSource("amb-img-tls-resume");
    const session = join(pki.dir, "resume.session");
    const connect = (resume: boolean) =>
      inNetns(
        b.netns,
        // Open for a second, so the session the source sends after the handshake arrives before the client leaves.
        `sleep 1 | openssl s_client -connect ${a.ip}:${src.hostPort} -tls1_3 -cert ${pki.dir}/${target}.pem ` +
          `-key ${pki.dir}/${target}.key -CAfile ${pki.dir}/ca.pem -verify_return_error ` +
          `${resume ? "-sess_in" : "-sess_out"} ${session} 2>&1`,
      );
    expect(await connect(false)).toMatch(/^New, TLSv1\.3/m);
    // A stateless ticket carries the whole session, sealed with a key of the source's; a reference is the session ID.
    const ticket = (await inNetns(undefined, `openssl sess_id -in ${session} -text -noout`)).match(
      /TLS session ticket:\n((?:\s+[0-9a-f]{4} - .*\n)+)/,
    )?.[1];
    expect(ticket?.trim().split("\n").length).toBeLessThanOrEqual(2);
    expect(await connect(true)).toMatch(/^Reused, TLSv1\.3/m);
  });

  it("tls and relay beside the consumer: a source host named only in /etc/hosts is reached, and still once Docker's DNS would have said it knows no such name", {
    timeout: 60_000,
  }, async () => {
    const sides = await Promise.all(
      (["tls", "relay"] as const).map(async (mode) => {
        const src =
          mode === "tls"
            ? await tlsSource(`amb-img-${mode}-named-src`)
            : await plainSource("relay", `${b.ip}/32`, { name: `amb-img-${mode}-named-src` });
        const tgt = await startAmbassador(db, {
          name: `amb-img-${mode}-named-tgt`,
          env: [
            `HELLOAPP_PORT_5000_TCP=tcp://source-host:${src.hostPort}`,
            `AMBASSADOR_MODE=${mode}`,
            ...(mode === "tls" ? ["AMBASSADOR_TLS_ROLE=client", `AMBASSADOR_TLS_PEER=${source}`] : []),
          ],
          tls: mode === "tls" ? await tlsArchive(pki, target) : undefined,
          extraHosts: [`source-host:${a.ip}`],
          network: targetNet,
          alias: `helloapp-${mode}`,
        });
        expect(tgt.logs).toMatch(/^ambassador: ready$/m);
        return { mode, src, tgt };
      }),
    );
    const answers = () =>
      Promise.all(sides.map(({ mode }) => toolboxGet(db, targetNet, `http://helloapp-${mode}:5000/`)));
    expect(await answers()).toEqual(["Hello World!\n", "Hello World!\n"]);
    // Docker's DNS knows no source-host, and with no name server beyond it here each look-up times out: a name
    // HAProxy asked it for would be dropped 30 s on.
    await new Promise((resolve) => setTimeout(resolve, 35_000));
    expect(await answers()).toEqual(["Hello World!\n", "Hello World!\n"]);
    for (const { src, tgt } of sides)
      await Promise.all([src, tgt].map((side) => side.container.remove({ force: true })));
  });

  const plainSource = (
    mode: "relay" | "kernel",
    admit: string,
    extra: { netAdmin?: boolean; name?: string } = {},
  ) =>
    startAmbassador(da, {
      name: `amb-img-${mode}-${admit.includes(",") ? "multi" : "one"}`,
      env: ["APP_PORT_5000_TCP=tcp://app:5000", `AMBASSADOR_MODE=${mode}`, `AMBASSADOR_ADMIT=${admit}`],
      links: [`${app}:app`],
      publishOn: a.ip,
      kernel: mode === "kernel",
      ...extra,
    });

  it.each(["relay", "tls", "kernel"] as const)(
    "%s: only the admitted host B gets a byte of the app; host A itself and the lab bridge get none",
    async (mode) => {
      const src =
        mode === "tls" ? await tlsSource("amb-img-tls-admit") : await plainSource(mode, `${b.ip}/32`);
      expect(src.logs).toMatch(new RegExp(`^ambassador: mode ${mode}$`, "m"));
      const port = src.hostPort ?? 0;
      // The stranger holds the target's own certificate: only its address can keep it out.
      const tls = mode === "tls" ? { pki, as: target, expect: source } : undefined;
      expect(await getFrom(b.netns, a.ip, port, tls)).toContain("Hello World!");
      expect(await getFrom(undefined, a.ip, port, tls)).toBe("");
      expect(await getFrom(a.netns, a.ip, port, tls)).toBe("");
    },
  );

  it.each(["tls", "relay"] as const)(
    "%s: with NET_ADMIN a host it does not admit is refused at its first packet; without, its connection is closed once made, as the log says",
    async (mode) => {
      const start = (netAdmin: boolean) =>
        mode === "tls"
          ? tlsSource(`amb-img-tls-scan-${netAdmin}`, `${b.ip}/32`, netAdmin)
          : plainSource("relay", `${b.ip}/32`, { netAdmin, name: `amb-img-relay-scan-${netAdmin}` });
      const note = "ambassador: no NET_ADMIN: HAProxy closes the connections of others once they are made";
      const guarded = await start(true);
      expect(guarded.logs).toMatch(/^ambassador: ready$/m);
      expect(guarded.logs).not.toContain(note);
      expect(await connectFrom(undefined, a.ip, guarded.hostPort ?? 0)).toBe("refused");
      expect(await connectFrom(a.netns, a.ip, guarded.hostPort ?? 0)).toBe("refused");
      expect(await connectFrom(b.netns, a.ip, guarded.hostPort ?? 0)).toBe("accepted");
      await guarded.container.remove({ force: true });
      const bare = await start(false);
      expect(bare.logs).toContain(`${note}\n`);
      expect(await connectFrom(undefined, a.ip, bare.hostPort ?? 0)).toBe("accepted");
      expect(await getFrom(undefined, a.ip, bare.hostPort ?? 0)).toBe("");
      await bare.container.remove({ force: true });
    },
  );

  it("tls: several admitted CIDRs are enforced by the terminator itself, with no NET_ADMIN", async () => {
    const src = await tlsSource("amb-img-tls-multi", `10.99.0.0/16,${b.ip}/32`);
    expect(src.logs).toMatch(/^ambassador: ready$/m);
    const port = src.hostPort ?? 0;
    const tls = { pki, as: target, expect: source };
    expect(await getFrom(b.netns, a.ip, port, tls)).toContain("Hello World!");
    expect(await getFrom(undefined, a.ip, port, tls)).toBe("");
  });

  it("relay: several admitted CIDRs are enforced by HAProxy itself, with no NET_ADMIN, run as nobody", async () => {
    const src = await plainSource("relay", `10.99.0.0/16,${b.ip}/32`);
    expect(src.logs).toMatch(/^ambassador: ready$/m);
    const port = src.hostPort ?? 0;
    expect(await getFrom(b.netns, a.ip, port)).toContain("Hello World!");
    expect(await getFrom(undefined, a.ip, port)).toBe("");
    // The one process carrying connections runs as nobody, with no capability.
    expect(await owners(src.container)).toMatch(/^haproxy 65534 0{16}$/m);
  });

  it("tls beside a consumer: an image without ss finds the consumer's listener in /proc and moves past it", async () => {
    const src = await tlsSource("amb-img-tls-no-ss-src");
    const consumer = await consumerOn(
      "amb-img-no-ss-consumer",
      "httpd -p 61000 -h /srv/web; exec httpd -f -p 5000 -h /srv/web",
    );
    // ss is in /usr/bin; HAProxy and iptables are in /usr/sbin.
    const tgt = await clientBeside("amb-img-tls-no-ss-tgt", consumer, src.hostPort, [
      "PATH=/usr/sbin:/sbin:/bin",
    ]);
    expect(await execIn(tgt.container, ["sh", "-c", "command -v ss || echo none"])).toBe("none\n");
    expect(tgt.logs).toContain(
      "ambassador: the consumer listens on port 61000 itself; route :5000 takes another inner port",
    );
    expect(tgt.logs).toMatch(/^ambassador: ready$/m);
    expect(await throughLink(consumer)).toBe("Hello World!\n");
  });

  it("tls beside a consumer: a port the consumer holds in a connection, which no listener shows, is moved past", async () => {
    const src = await tlsSource("amb-img-tls-held-src");
    const consumer = await consumerOn(
      "amb-img-held-consumer",
      "(sleep 100000 | socat - TCP-LISTEN:7000,bind=127.0.0.1 >/dev/null) & exec httpd -f -p 5000 -h /srv/web",
    );
    // A connection of the consumer's own from 127.0.0.1:61000, open before the ambassador starts (0xEE48 is 61000).
    const holding = await execIn(consumer, [
      "sh",
      "-c",
      "for i in $(seq 100); do grep -q ':1B58 .* 0A ' /proc/net/tcp && break; sleep 0.05; done; " +
        "( (sleep 100000 | socat - TCP:127.0.0.1:7000,bind=127.0.0.1:61000) >/dev/null 2>&1 & ); " +
        "for i in $(seq 100); do grep -q '0100007F:EE48 .* 01 ' /proc/net/tcp && echo held && exit; sleep 0.05; done",
    ]);
    expect(holding).toBe("held\n");
    const tgt = await clientBeside("amb-img-tls-held-tgt", consumer, src.hostPort);
    expect(tgt.logs).toContain(
      "ambassador: the consumer holds port 61000 itself; route :5000 takes another inner port",
    );
    expect(tgt.logs).toMatch(/^ambassador: ready$/m);
    expect(await throughLink(consumer)).toBe("Hello World!\n");
  });

  it("tls beside a consumer: a route's inner port is not shared with a listener that asks for SO_REUSEPORT", async () => {
    const src = await tlsSource("amb-img-tls-reuse-src");
    const consumer = await consumerOn("amb-img-reuse-consumer");
    const tgt = await clientBeside("amb-img-tls-reuse-tgt", consumer, src.hostPort);
    expect(tgt.logs).toMatch(/^ambassador: ready$/m);
    // As root in the same namespace, as HAProxy was when it bound: a listener sharing the port would split the link.
    const tried = await execIn(tgt.container, [
      "sh",
      "-c",
      "timeout 2 socat -u TCP-LISTEN:61000,bind=127.0.0.1,reuseport,reuseaddr /dev/null 2>&1; echo exit $?",
    ]);
    expect(tried).toMatch(/Address (already )?in use/);
    expect(tried).not.toContain("exit 124");
    expect(await throughLink(consumer)).toBe("Hello World!\n");
  });

  it("kernel: Docker's DNS keeps working, and an app back on another address is followed within 15 s", async () => {
    const kapp = "amb-img-kapp";
    await da.createContainer({
      Image: "hello-app:latest",
      name: kapp,
      Labels: { [testLabel]: "1" },
      HostConfig: { NetworkMode: sourceNet },
    });
    await da.getContainer(kapp).start();
    const src = await startAmbassador(da, {
      name: "amb-img-kernel-dns",
      env: [`APP_PORT_5000_TCP=tcp://${kapp}:5000`, "AMBASSADOR_MODE=kernel", `AMBASSADOR_ADMIT=${b.ip}/32`],
      network: sourceNet,
      publishOn: a.ip,
      kernel: true,
    });
    const port = src.hostPort ?? 0;
    expect(await getFrom(b.netns, a.ip, port)).toContain("Hello World!");
    expect(await execIn(src.container, ["iptables", "-t", "nat", "-S"])).toContain(
      "-A OUTPUT -d 127.0.0.11/32 -j DOCKER_OUTPUT",
    );
    const before = await ipOn(da, kapp, sourceNet);
    expect(await execIn(src.container, ["nslookup", kapp, "127.0.0.11"])).toContain(`Address: ${before}`);

    await da.getContainer(kapp).stop({ t: 1 });
    const squatter = await da.createContainer({
      Image: "ambassador-lab/toolbox:latest",
      name: "amb-img-squatter",
      Labels: { [testLabel]: "1" },
      HostConfig: { NetworkMode: sourceNet },
    });
    await squatter.start();
    expect(await ipOn(da, "amb-img-squatter", sourceNet)).toBe(before);
    await da.getContainer(kapp).start();
    expect(await ipOn(da, kapp, sourceNet)).not.toBe(before);

    const deadline = Date.now() + 15_000;
    let answer = "";
    while (Date.now() < deadline && !answer.includes("Hello World!")) {
      answer = await getFrom(b.netns, a.ip, port);
      if (!answer.includes("Hello World!")) await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(answer).toContain("Hello World!");
  });

  it("tls: files uploaded while it starts are waited for, then served", async () => {
    const src = await startAmbassador(da, {
      name: "amb-img-tls-late",
      env: [
        "APP_PORT_5000_TCP=tcp://app:5000",
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=server",
        `AMBASSADOR_TLS_PEER=${target}`,
      ],
      tls: await tlsArchive(pki, source),
      tlsAfterStart: true,
      links: [`${app}:app`],
      publishOn: a.ip,
    });
    expect(src.logs).toMatch(/^ambassador: ready$/m);
    const tls = { pki, as: target, expect: source };
    expect(await getFrom(b.netns, a.ip, src.hostPort ?? 0, tls)).toContain("Hello World!");
  });

  it("tls: files given on its standard input are unpacked and served, and found again after a restart", async () => {
    const env = [
      "APP_PORT_5000_TCP=tcp://app:5000",
      "AMBASSADOR_MODE=tls",
      "AMBASSADOR_TLS_ROLE=server",
      `AMBASSADOR_TLS_PEER=${target}`,
      "AMBASSADOR_TLS_FILES=stdin",
    ];
    const src = await startAmbassador(da, {
      name: "amb-img-tls-stdin",
      env,
      stdin: await tlsInput(pki, source),
      links: [`${app}:app`],
      publishOn: a.ip,
    });
    expect(src.logs).toMatch(/^ambassador: ready$/m);
    const tls = { pki, as: target, expect: source };
    expect(await getFrom(b.netns, a.ip, src.hostPort ?? 0, tls)).toContain("Hello World!");
    const files = await execIn(src.container, ["ls", "-l", "/run/ambassador/tls"]);
    expect(files).toMatch(/^-r-------- .* cert\.pem$/m);
    // Started again, its input is open and empty: it reads the files it kept, and waits for nothing.
    await src.container.restart({ t: 0 });
    let readies = 0;
    for (const deadline = Date.now() + 10_000; readies < 2 && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      readies = (await readyOrStopped(src.container, "amb-img-tls-stdin")).logs.match(/^ambassador: ready$/gm)
        ?.length as number;
    }
    expect(readies).toBe(2);
    const restarted = await src.container.inspect();
    expect(restarted.State.Running).toBe(true);
    // Docker picked the host port anew at the restart.
    const port = Number(restarted.NetworkSettings.Ports["5000/tcp"]?.[0]?.HostPort);
    expect(await getFrom(b.netns, a.ip, port, tls)).toContain("Hello World!");
    const garbled = await startAmbassador(da, {
      name: "amb-img-tls-stdin-garbled",
      env,
      stdin: Buffer.from("not a tar archive\n"),
      links: [`${app}:app`],
    });
    expect(garbled.exitCode).toBe(2);
    expect(garbled.logs.trimEnd().split("\n").at(-1)).toMatch(
      /^ambassador: could not unpack the TLS files from standard input: tar: /,
    );
    expect(garbled.logs).not.toContain("ambassador: ready");
    // Nothing written: it gives up after AMBASSADOR_TLS_WAIT; started again, its input is empty for good, and it
    // says so at once rather than wait on it.
    const unfed = await startAmbassador(da, {
      name: "amb-img-tls-stdin-unfed",
      env: [...env, "AMBASSADOR_TLS_WAIT=1"],
      stdin: "open",
      links: [`${app}:app`],
    });
    expect(unfed.exitCode).toBe(2);
    expect(unfed.logs.trimEnd().split("\n").at(-1)).toBe(
      "ambassador: no TLS files came on standard input within 1 s of the start",
    );
    await unfed.container.start();
    const again = await readyOrStopped(unfed.container, "amb-img-tls-stdin-unfed");
    expect(again.info.State.Running).toBe(false);
    // Its own run, as Docker timed it: well under the 1 s it would have waited.
    const { StartedAt, FinishedAt } = again.info.State;
    expect(Date.parse(FinishedAt) - Date.parse(StartedAt)).toBeLessThan(1_000);
    expect(again.logs.trimEnd().split("\n").at(-1)).toBe(
      "ambassador: the TLS files did not come on standard input when this container first started; it cannot get them now: remove it (ambassador repair makes the link's anew)",
    );
  });

  it("tls: a certificate HAProxy cannot use ends it with exit 2 and that line, never a ready", async () => {
    await copyFile(join(pki.dir, `${source}.pem`), join(pki.dir, "unusable.pem"));
    await writeFile(
      join(pki.dir, "unusable.key"),
      "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    );
    const refused = await startAmbassador(da, {
      name: "amb-img-tls-unusable",
      env: [
        "APP_PORT_5000_TCP=tcp://app:5000",
        "AMBASSADOR_MODE=tls",
        "AMBASSADOR_TLS_ROLE=server",
        `AMBASSADOR_TLS_PEER=${target}`,
      ],
      tls: await tlsArchive(pki, "unusable"),
      links: [`${app}:app`],
    });
    expect(refused.exitCode).toBe(2);
    expect(refused.logs.trimEnd().split("\n").at(-1)).toMatch(
      /^ambassador: HAProxy refused its configuration: .*cert\.pem/,
    );
    expect(refused.logs).not.toContain("ambassador: ready");
  });

  it.each([
    [
      "65534",
      false,
      "ambassador: the ambassador runs as uid 65534, which it keeps for HAProxy once its ports are bound; start it as root (no --user)",
    ],
    [
      "1000",
      false,
      "ambassador: cannot write HAProxy's configuration in /tmp as uid 1000; start the ambassador as root (no --user)",
    ],
    [
      "1000",
      true,
      "ambassador: HAProxy could not start as uid 1000: it binds as root and then takes uid 65534; start the ambassador as root (no --user)",
    ],
  ])(
    "relay: started as uid %s (a /tmp it may write: %s), exits 2 with one line saying to start it as root, never a ready",
    async (user, writableTmp, line) => {
      const tmp = await mkdtemp(join(tmpdir(), "amb-img-tmp-"));
      try {
        await chmod(tmp, 0o1777);
        const refused = await startAmbassador(da, {
          name: `amb-img-relay-uid-${user}${writableTmp ? "-tmp" : ""}`,
          env: ["APP_PORT_5000_TCP=tcp://app:5000", "AMBASSADOR_MODE=relay"],
          links: [`${app}:app`],
          user,
          binds: writableTmp ? [`${tmp}:/tmp`] : undefined,
        });
        expect(refused.exitCode).toBe(2);
        // Its last line says why, as the bot quotes it; what HAProxy may say before it is not asserted.
        expect(refused.logs.trimEnd().split("\n").at(-1)).toBe(line);
        expect(refused.logs).not.toContain("ambassador: ready");
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  );

  it("tls: started as uid 1000, exits 2 with one line saying to start it as root, never a ready", async () => {
    const refused = await tlsSource("amb-img-tls-uid-1000", undefined, false, "1000");
    expect(refused.exitCode).toBe(2);
    expect(refused.logs.trimEnd().split("\n").at(-1)).toBe(
      "ambassador: tls mode runs as root, not uid 1000; start the ambassador as root (no --user)",
    );
    expect(refused.logs).not.toContain("ambassador: ready");
  });

  it("tls: exits 2 with one line naming what is missing", async () => {
    const base = ["APP_PORT_5000_TCP=tcp://app:5000", "AMBASSADOR_MODE=tls", `AMBASSADOR_TLS_PEER=${target}`];
    const noFiles = await startAmbassador(da, {
      name: "amb-img-tls-nofiles",
      env: [...base, "AMBASSADOR_TLS_ROLE=server", "AMBASSADOR_TLS_WAIT=1"],
      links: [`${app}:app`],
    });
    expect(noFiles.exitCode).toBe(2);
    expect(noFiles.logs.trimEnd().split("\n").at(-1)).toBe(
      "ambassador: tls mode needs /run/ambassador/tls/ca.pem /run/ambassador/tls/cert.pem /run/ambassador/tls/complete; they did not come within 1 s of the start",
    );
    expect(noFiles.logs).not.toContain("ambassador: ready");
    const noRole = await startAmbassador(da, {
      name: "amb-img-tls-norole",
      env: base,
      tls: await tlsArchive(pki, source),
      links: [`${app}:app`],
    });
    expect(noRole.exitCode).toBe(2);
    expect(noRole.logs).toBe(
      "ambassador: tls mode needs AMBASSADOR_TLS_ROLE=server (beside the source) or client (beside the consumer)\n",
    );
  });
});
