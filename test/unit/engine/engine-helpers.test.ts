import { describe, expect, it } from "vitest";
import { bindingsOf, DockerCallError, isNotFound, isUnreachable } from "../../../src/docker/docker-host.js";
import { demuxLogs } from "../../../src/docker/dockerode-host.js";
import { describeActor } from "../../../src/domain/actor.js";
import { closeNames } from "../../../src/engine/close-names.js";
import { createKeyedMutex } from "../../../src/engine/keyed-mutex.js";
import { linkIdOf, linkLabels } from "../../../src/engine/labels.js";
import { mapBounded } from "../../../src/engine/map-bounded.js";
import { formatMapping, linkEnvironment, mappingsOf } from "../../../src/engine/mappings.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("closeNames", () => {
  it("suggests typos and containing names, closest first, and nothing for far names", () => {
    expect(closeNames("ap", ["app", "web", "stopped-app"])).toEqual(["app", "stopped-app"]);
    expect(closeNames("hello-ap", ["hello-app", "hello-web", "db"])).toEqual(["hello-app"]);
    expect(closeNames("zzzzzz", ["app", "web"])).toEqual([]);
    expect(closeNames("app", ["app"])).toEqual([]);
  });
});

describe("createKeyedMutex", () => {
  it("runs tasks with one key one at a time, in order, and others freely", async () => {
    const mutex = createKeyedMutex();
    const events: string[] = [];
    const task = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      mutex.run("a", task("a1", 30)),
      mutex.run("a", task("a2", 1)),
      mutex.run("b", task("b1", 1)),
    ]);
    expect(results).toEqual(["a1", "a2", "b1"]);
    expect(events.indexOf("end a1")).toBeLessThan(events.indexOf("start a2"));
    expect(events.indexOf("end b1")).toBeLessThan(events.indexOf("end a1"));
  });

  it("says whether a key is held (while a task runs or waits) and counts every task asked for and ended", async () => {
    const mutex = createKeyedMutex();
    expect([mutex.held("a"), mutex.changes()]).toEqual([false, 0]);
    const first = mutex.run("a", () => sleep(10));
    const second = mutex.run("a", () => sleep(1));
    expect([mutex.held("a"), mutex.held("b"), mutex.changes()]).toEqual([true, false, 2]);
    await first;
    expect(mutex.held("a")).toBe(true);
    await second;
    await sleep(0);
    expect([mutex.held("a"), mutex.changes()]).toEqual([false, 4]);
    await mutex.run("b", async () => undefined).then(() => sleep(0));
    expect([mutex.held("b"), mutex.changes()]).toEqual([false, 6]);
  });

  it("keeps going after a task fails", async () => {
    const mutex = createKeyedMutex();
    await expect(mutex.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(mutex.run("a", async () => "next")).resolves.toBe("next");
  });
});

describe("mapBounded", () => {
  it("never has more than the limit in flight and keeps the order", async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 6, 1], 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await sleep(n * 3);
      inFlight--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 60, 10]);
    expect(peak).toBe(3);
    expect(await mapBounded([], 3, async () => 1)).toEqual([]);
  });
});

describe("port mappings", () => {
  const ports = {
    "5000/tcp": [
      { HostIp: "0.0.0.0", HostPort: "32770" },
      { HostIp: "::", HostPort: "32770" },
    ],
    "53/udp": [{ HostIp: "10.0.0.9", HostPort: "5353" }],
    "6000/tcp": null,
  };

  it("puts the advertise address in place of 0.0.0.0 and ::, once per binding, with a URL for TCP", () => {
    const rows = mappingsOf("clusterb", "web", "10.0.0.12", ports);
    expect(rows.map(formatMapping)).toEqual(["53/udp -> 10.0.0.9:5353", "5000/tcp -> 10.0.0.12:32770"]);
    expect(rows[1]?.url).toBe("http://10.0.0.12:32770");
    expect(rows[0]?.url).toBeUndefined();
    expect(bindingsOf(ports)).toHaveLength(3);
  });

  it("brackets IPv6 addresses as docker port does", () => {
    const rows = mappingsOf("c", "web", "fd00::1", { "80/tcp": [{ HostIp: "::", HostPort: "8080" }] });
    expect(formatMapping(rows[0] as (typeof rows)[number])).toBe("80/tcp -> [fd00::1]:8080");
    expect(rows[0]?.url).toBe("http://[fd00::1]:8080");
  });
});

describe("linkEnvironment", () => {
  it("gives the variables a legacy --link gives, pointing at the alias", () => {
    expect(linkEnvironment("hello-app", [5000, 5001])).toEqual([
      "HELLO_APP_PORT_5000_TCP=tcp://hello-app:5000",
      "HELLO_APP_PORT_5000_TCP_ADDR=hello-app",
      "HELLO_APP_PORT_5000_TCP_PORT=5000",
      "HELLO_APP_PORT_5000_TCP_PROTO=tcp",
      "HELLO_APP_PORT_5001_TCP=tcp://hello-app:5001",
      "HELLO_APP_PORT_5001_TCP_ADDR=hello-app",
      "HELLO_APP_PORT_5001_TCP_PORT=5001",
      "HELLO_APP_PORT_5001_TCP_PROTO=tcp",
      "HELLO_APP_PORT=tcp://hello-app:5000",
    ]);
  });
});

describe("labels", () => {
  it("carry the link, role, who and channel", () => {
    const labels = linkLabels({
      linkId: "abc",
      role: "web",
      actor: { kind: "slack", team: "T1", user: "U1" },
      channel: "C1",
      container: "app",
    });
    expect(labels).toEqual({
      "io.ambassador.link": "abc",
      "io.ambassador.role": "web",
      "io.ambassador.by": "slack:T1/U1",
      "io.ambassador.channel": "C1",
      "io.ambassador.container": "app",
    });
    expect(linkIdOf(labels)).toBe("abc");
    expect(linkIdOf({})).toBeUndefined();
    expect(describeActor({ kind: "local", user: "root" })).toBe("local:root");
  });
});

describe("Docker call errors", () => {
  it("name the cluster, the action and the object, and tell an absent host from a refusal", () => {
    const missing = new DockerCallError(
      "clusterb",
      "inspect container",
      { container: "web" },
      "no such container",
      404,
    );
    expect(missing.message).toBe("clusterb: inspect container (container web): no such container");
    expect(isNotFound(missing)).toBe(true);
    expect(isUnreachable(missing)).toBe(false);
    const down = new DockerCallError("clusterb", "ping", {}, "connect ECONNREFUSED", undefined);
    expect(isUnreachable(down)).toBe(true);
  });

  it("demultiplexes framed logs and passes plain text through", () => {
    const frame = (text: string) => {
      const body = Buffer.from(text);
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(body.length, 4);
      return Buffer.concat([header, body]);
    };
    expect(demuxLogs(Buffer.concat([frame("ambassador: mode relay\n"), frame("ambassador: ready\n")]))).toBe(
      "ambassador: mode relay\nambassador: ready\n",
    );
    expect(demuxLogs(Buffer.from("plain text"))).toBe("plain text");
  });
});
