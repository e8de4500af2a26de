import { describe, expect, it } from "vitest";
import type { LinkRecord } from "../../../src/domain/link.js";
import type { LinkView, LiveState } from "../../../src/engine/types.js";
import { statusLines } from "../../../src/render/format.js";

const record: LinkRecord = {
  id: "lnk1",
  container: "app",
  alias: "helloapp",
  sourceCluster: "clustera",
  targetCluster: "clusterb",
  targets: [{ cluster: "clusterb" }, { cluster: "clusterc" }],
  ports: [5000],
  wiring: "shared",
  connections: [{ port: 5000, address: "10.0.0.12:5000" }],
  web: { image: "hello-web", name: "web" },
  status: "active",
  resources: [],
  createdAt: "2026-01-01T00:00:00.000Z",
  createdBy: { kind: "local", user: "ops" },
};

function view(
  states: { app?: LiveState; source?: LiveState; target?: LiveState; web?: LiveState },
  link = record,
): LinkView {
  const { app = "running", source = "running", target = "running", web = "running" } = states;
  const whole = [app, source, target, web].every((state) => state === "running");
  return {
    link,
    status: link.status === "partial" ? "partial" : whole ? "active" : "broken",
    containers: [
      { cluster: "clustera", role: "container", name: "app", state: app },
      { cluster: "clustera", role: "source", name: "app-ambassador", state: source },
      { cluster: "clusterb", role: "target", name: "app-ambassador", state: target },
      { cluster: "clusterb", role: "web", name: "web", state: web },
    ],
  };
}

const next = (v: LinkView) => statusLines(v).filter((line) => line.startsWith("Next:"));

describe("status says what to run next, with or without a health check", () => {
  it("names the parts repair makes again", () => {
    expect(next(view({ source: "missing", target: "disconnected" }))).toEqual([
      "Next: run repair lnk1 to make again source ambassador app-ambassador on clustera (missing), target ambassador app-ambassador on clusterb (cut off).",
    ]);
    expect(next(view({ web: "stopped" }))).toEqual([
      "Next: run repair lnk1 to make again consumer web on clusterb (stopped).",
    ]);
  });

  it("says repair reconnects the linked container off the link's network, and makes nothing of it", () => {
    expect(next(view({ app: "disconnected" }))).toEqual([
      "Next: run repair lnk1 to reconnect container app on clustera (off the link's network).",
    ]);
    expect(next(view({ app: "disconnected", source: "missing" }))).toEqual([
      "Next: run repair lnk1 to make again source ambassador app-ambassador on clustera (missing) and reconnect container app on clustera (off the link's network).",
    ]);
  });

  it("sends a link partly torn down to teardown, naming the target still leaving", () => {
    expect(next(view({ target: "missing", web: "missing" }, { ...record, status: "partial" }))).toEqual([
      "Next: run teardown lnk1 to finish removing what is left of it.",
    ]);
    const targets = [{ cluster: "clusterb" }, { cluster: "clusterc", leaving: true as const }];
    expect(next(view({}, { ...record, targets }))).toEqual([
      "Next: run teardown lnk1 --target clusterc to finish removing that target, then repair lnk1.",
    ]);
    // A whole teardown left parts of it since: teardown --target refuses such a link, teardown finishes it.
    expect(next(view({}, { ...record, targets, status: "partial" }))).toEqual([
      "Next: run teardown lnk1 to finish removing what is left of it.",
    ]);
  });

  it("asks for the linked container to be started or run again first, as repair would", () => {
    expect(next(view({ app: "stopped", source: "stopped" }))).toEqual([
      "Next: container app on clustera is stopped; start it (docker start app); the link follows it, and if status still shows it broken, run repair lnk1.",
    ]);
    expect(next(view({ app: "missing" }))).toEqual([
      "Next: container app on clustera is gone; run it again under the same name; the link follows it, and if status still shows it broken, run repair lnk1.",
    ]);
  });

  it("sends a link left broken with every part running to repair", () => {
    expect(next(view({}, { ...record, status: "broken" }))).toEqual([
      "Next: run repair lnk1 to make it whole again.",
    ]);
  });

  it("waits for a host that did not answer rather than send to repair", () => {
    expect(next(view({ target: "unreachable", web: "unreachable" }))).toEqual([
      "Next: clusterb did not answer; ask again once it does.",
    ]);
  });

  it("says nothing of a link that is whole", () => {
    expect(next(view({}))).toEqual([]);
  });
});
