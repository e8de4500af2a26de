import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { LinkStep } from "../../src/engine/link-engine.js";
import { LinkStepError } from "../../src/engine/step-errors.js";
import type { LinkResult, TeardownResult } from "../../src/engine/types.js";
import { lab } from "../lab.js";
import { readyOrStopped } from "../support/ambassador-image.js";
import {
  botObjects,
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  startApp,
  tester,
} from "../support/engine-fixture.js";
import { startEngines, stopEngine } from "../support/lab-engines.js";

const at = (step: LinkStep) => `${step.name}@${step.cluster}`;
const options = { alias: "helloapp", web: "hello-web:latest" };

describe("faults in the middle of a link", () => {
  let onStep: ((step: LinkStep) => Promise<void>) | undefined;
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab(), { beforeStep: async (step) => onStep?.(step) });
  });

  beforeEach(async () => {
    onStep = undefined;
    await cleanUp(fx);
    await startApp(fx.a);
  });

  afterAll(async () => {
    await startEngines(lab());
    await cleanUp(fx);
  });

  it("records the link partial when the target's engine stops after objects exist there, and teardown finishes it once it is back", async () => {
    onStep = async (step) => {
      if (at(step) !== "read web ports@clusterb") return;
      // Stopped once the target ambassador said it was ready, so the failing step does not race its start: a
      // plaintext one is made only once the source's port is known, which may come after the consumer runs.
      const deadline = Date.now() + 10_000;
      let logs = "";
      while (!/^ambassador: ready$/m.test(logs) && Date.now() < deadline) {
        logs = await readyOrStopped(fx.b.getContainer("app-ambassador"), "app-ambassador").then(
          (ready) => ready.logs,
          () => "",
        );
        if (!/^ambassador: ready$/m.test(logs)) await sleep(50);
      }
      expect(logs).toMatch(/^ambassador: ready$/m);
      await stopEngine(lab().clusterb);
    };
    // Plaintext, so the link has a network of its own on B beside its two containers there.
    const failed = await fx.engine
      .link("app", "clustera", "clusterb", { ...options, plaintext: true }, tester)
      .catch((e: unknown) => e);
    onStep = undefined;
    expect(failed).toBeInstanceOf(LinkStepError);
    const id = (failed as LinkStepError).linkId;
    expect((failed as LinkStepError).message).toMatch(
      new RegExp(
        `^Link failed at step "read web ports" on clusterb: .+ 3 object\\(s\\) could not be removed \\(container web on clusterb, container app-ambassador on clusterb, network ambassador-${id}-target on clusterb\\); run teardown ${id} once the host answers, which also removes what may have been made on clusterb \\(it could not be looked for\\)\\.$`,
      ),
    );
    const record = fx.links.get(id);
    expect(record?.status).toBe("partial");
    expect(record?.resources.map((r) => `${r.cluster} ${r.kind} ${r.name}`)).toEqual([
      `clusterb network ambassador-${id}-target`,
      "clusterb container app-ambassador",
      "clusterb container web",
    ]);
    expect(await botObjects(fx.a)).toEqual([]);

    await startEngines(lab());
    const done = await fx.engine.teardown(id, tester);
    expect(done).toMatchObject({ linkId: id, status: "removed", left: [] });
    expect(fx.links.all()).toEqual([]);
    await expectClean(fx);
  });

  /** Whether the store and both hosts agree: every labelled object belongs to a stored link, none is missing. */
  async function expectConsistent(): Promise<void> {
    const found = await fx.engine.reconcile({ fix: false });
    expect(found.orphans).toEqual([]);
    expect(found.broken).toEqual([]);
    for (const view of await fx.engine.list()) {
      expect(view.status).toBe("active");
      expect(view.containers.every((c) => c.state === "running")).toBe(true);
    }
  }

  it("runs a link by container ID, started first, before a teardown by name, then the teardown removes it all", async () => {
    const kept = await fx.engine.link("app", "clustera", "clusterb", options, tester);
    const appId = (await fx.a.getContainer("app").inspect()).Id.slice(0, 12);
    const events: string[] = [];
    let started!: () => void;
    const linkStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    onStep = async (step) => {
      if (at(step) !== "inspect container@clustera") return;
      events.push("link starts");
      started();
      await sleep(1_500);
    };
    const linking = fx.engine.link(appId, "clustera", "clusterb", options, tester).then((result) => {
      events.push("link done");
      return result;
    });
    await linkStarted;
    const tearing = fx.engine.teardown("app", tester).then((result) => {
      events.push("teardown done");
      return result;
    });
    const [linked, torn] = await Promise.all([linking, tearing]);
    onStep = undefined;

    expect(events).toEqual(["link starts", "link done", "teardown done"]);
    expect(linked).toMatchObject({ existing: true, link: { id: kept.link.id } });
    expect(torn).toMatchObject({ linkId: kept.link.id, status: "removed", left: [] });
    expect(fx.links.all()).toEqual([]);
    await expectClean(fx);
    await expectConsistent();
  });

  it("runs a teardown by name, started first, before a link by container ID, which then makes a new link", async () => {
    const kept = await fx.engine.link("app", "clustera", "clusterb", options, tester);
    const appId = (await fx.a.getContainer("app").inspect()).Id.slice(0, 12);
    const events: string[] = [];
    onStep = async (step) => {
      if (at(step) !== "inspect container@clustera") return;
      const objects = [...(await botObjects(fx.a)), ...(await botObjects(fx.b))];
      events.push(`link starts with ${fx.links.all().length} link(s) and ${objects.length} object(s) left`);
    };
    const tearing: Promise<TeardownResult> = fx.engine.teardown("app", tester);
    const linking: Promise<LinkResult> = fx.engine.link(appId, "clustera", "clusterb", options, tester);
    const [torn, linked] = await Promise.all([tearing, linking]);
    onStep = undefined;

    expect(events).toEqual(["link starts with 0 link(s) and 0 object(s) left"]);
    expect(torn).toMatchObject({ linkId: kept.link.id, status: "removed", left: [] });
    expect(linked.existing).toBe(false);
    expect(linked.link.id).not.toBe(kept.link.id);
    expect(fx.links.all().map((l) => l.id)).toEqual([linked.link.id]);
    await expectConsistent();
    await fx.engine.teardown(linked.link.id, tester);
    await expectClean(fx);
  });
});
