import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelKeys } from "../../src/engine/labels.js";
import type { LinkStep } from "../../src/engine/link-engine.js";
import { LinkStepError } from "../../src/engine/step-errors.js";
import type { AmbassadorMode } from "../../src/engine/types.js";
import { UserError } from "../../src/errors.js";
import { lab } from "../lab.js";
import {
  cleanUp,
  type EngineFixture,
  engineFixture,
  expectClean,
  networksOf,
  startApp,
  tester,
} from "../support/engine-fixture.js";
import { startEngines, stopEngine } from "../support/lab-engines.js";

const steps = [
  "inspect container@clustera",
  "check images@clustera",
  "check images@clusterb",
  "clear what an interrupted link left@clustera",
  "clear what an interrupted link left@clusterb",
  "create source network@clustera",
  "connect container@clustera",
  "read used host ports@clustera",
  "read used host ports@clusterb",
  "start source ambassador@clustera",
  "read connection information@clustera",
  "create target network@clusterb",
  "start target ambassador@clusterb",
  "start web@clusterb",
  "read web ports@clusterb",
  "save link@store",
];

/** Steps only a link with networks of its own takes: an mTLS link that starts its consumer makes none. */
const networkSteps = [
  "create source network@clustera",
  "connect container@clustera",
  "create target network@clusterb",
];
const stepsOf = (mode: AmbassadorMode) =>
  mode === "tls" ? steps.filter((step) => !networkSteps.includes(step)) : steps;

const options = { alias: "helloapp", web: "hello-web:latest" };
/** Containers and networks on a host labelled with one link ID. */
async function objectsOf(docker: Docker, linkId: string): Promise<string[]> {
  const filters = JSON.stringify({ label: [`${labelKeys.link}=${linkId}`] });
  const containers = await docker.listContainers({ all: true, filters });
  const networks = await docker.listNetworks({ filters });
  return [...containers.map((c) => c.Names[0] ?? c.Id), ...networks.map((n) => n.Name)];
}

const at = (step: LinkStep) => `${step.name}@${step.cluster}`;

describe.each(["tls", "kernel", "relay"] as AmbassadorMode[])("link rollback, %s mode", (mode) => {
  let failAt: string | undefined;
  let onStep: ((step: LinkStep) => Promise<void>) | undefined;
  let fx: EngineFixture;

  beforeAll(async () => {
    fx = await engineFixture(lab(), {
      mode,
      beforeStep: async (step) => {
        await onStep?.(step);
        if (failAt === at(step)) throw new Error(`injected failure before ${at(step)}`);
      },
    });
    await cleanUp(fx);
    await startApp(fx.a);
  });

  afterAll(async () => {
    await startEngines(lab());
    await cleanUp(fx);
  });

  it("goes through every step in order when nothing fails", async () => {
    const seen: string[] = [];
    onStep = async (step) => {
      seen.push(at(step));
    };
    const result = await fx.engine.link("app", "clustera", "clusterb", options, tester);
    onStep = undefined;
    expect([...seen].sort()).toEqual([...stepsOf(mode)].sort());
    expect(result.timings.map((t) => `${t.step}@${t.cluster}`).sort()).toEqual([...stepsOf(mode)].sort());
    const inOrder = (a: string, b: string) => expect(seen.indexOf(a)).toBeLessThan(seen.indexOf(b));
    inOrder("read used host ports@clustera", "start source ambassador@clustera");
    inOrder("read used host ports@clusterb", "start web@clusterb");
    inOrder("start source ambassador@clustera", "read connection information@clustera");
    if (mode === "tls") {
      // An mTLS target is made beside the source ambassador, for the host port chosen before either was made, in
      // its consumer's network namespace once the consumer runs.
      inOrder("start target ambassador@clusterb", "read connection information@clustera");
      inOrder("start web@clusterb", "start target ambassador@clusterb");
    } else {
      inOrder("create target network@clusterb", "start web@clusterb");
      inOrder("create target network@clusterb", "start target ambassador@clusterb");
      // A plaintext target waits for the port Docker gave: it must never forward to whatever else holds one.
      inOrder("read connection information@clustera", "start target ambassador@clusterb");
    }
    expect(seen.at(-1)).toBe("save link@store");
    await fx.engine.teardown(result.link.id, tester);
    await expectClean(fx);
  });

  it("removes everything the attempt made when any step fails, and says which step on which cluster", async () => {
    for (const step of stepsOf(mode)) {
      failAt = step;
      const [name, cluster] = step.split("@");
      const error = await fx.engine.link("app", "clustera", "clusterb", options, tester).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      failAt = undefined;
      expect(error, step).toBeInstanceOf(UserError);
      const message = (error as UserError).message;
      expect(message).toContain(
        `Link failed at step "${name}" on ${cluster}: injected failure before ${step}.`,
      );
      expect(message).toContain("Nothing of this attempt was left behind.");
      expect(message).not.toContain("\n");
      await expectClean(fx);
      expect(fx.links.all(), step).toEqual([]);
    }
  });

  it("rolls back when the consumer image does not exist and cannot be pulled", async () => {
    const image = `${lab().bridgeIp}:5999/nosuch/web:latest`;
    const error = await fx.engine
      .link("app", "clustera", "clusterb", { ...options, web: image }, tester)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).code).toBe("image-missing");
    expect((error as UserError).message).toMatch(
      new RegExp(
        `^The web image ${image.replaceAll(".", "\\.")} is not on clusterb and could not be pulled \\(.*connection refused.*\\); load it`,
      ),
    );
    await expectClean(fx);
  });

  it("rolls back when the target host's Docker stops mid-link, and tears down with that host down and again once it is back", async () => {
    const kept = await fx.engine.link("app", "clustera", "clusterb", { alias: "helloapp" }, tester);

    // The first call to host B: its network, or, on an mTLS link without one, its consumer.
    const first = mode === "tls" ? "start web" : "create target network";
    onStep = async (step) => {
      if (at(step) === `${first}@clusterb`) await stopEngine(lab().clusterb);
    };
    const failed = await fx.engine
      .link("app", "clustera", "clusterb", options, tester)
      .catch((e: unknown) => e);
    onStep = undefined;
    expect(failed).toBeInstanceOf(LinkStepError);
    expect((failed as LinkStepError).message).toMatch(
      new RegExp(
        `^Link failed at step "${first}" on clusterb: (create network ambassador-\\w+-target|create container web\\S*): .* What it may have made on clusterb could not be looked for; once that host answers, \`reconcile\` names it and \`reconcile --fix\` removes it\\.$`,
      ),
    );
    const attempt = (failed as LinkStepError).linkId;
    expect(await objectsOf(fx.a, attempt)).toEqual([]);
    expect(await networksOf(fx.a, "app")).toEqual([`ambassador-${kept.link.id}-source`, "bridge"]);

    const [view] = await fx.engine.list();
    expect(view?.containers).toContainEqual({
      cluster: "clusterb",
      role: "target",
      name: "app-ambassador",
      state: "unreachable",
    });
    expect(view?.containers).toContainEqual(
      expect.objectContaining({
        cluster: "clustera",
        role: "source",
        name: "app-ambassador",
        state: "running",
      }),
    );

    const whileDown = await fx.engine.teardown("app", tester);
    expect(whileDown.status).toBe("partial");
    expect(whileDown.removed.map((r) => `${r.cluster} ${r.kind} ${r.name}`)).toEqual([
      "clustera container app-ambassador",
      "clustera connection app",
      `clustera network ambassador-${kept.link.id}-source`,
    ]);
    expect(whileDown.left.map((l) => `${l.cluster} ${l.kind} ${l.name}`)).toEqual([
      "clusterb container app-ambassador",
      `clusterb network ambassador-${kept.link.id}-target`,
    ]);
    expect(fx.links.get(kept.link.id)?.status).toBe("partial");
    expect(fx.links.get(kept.link.id)?.resources.map((r) => r.cluster)).toEqual(["clusterb", "clusterb"]);

    await startEngines(lab());
    expect(await objectsOf(fx.b, attempt)).toEqual([]);
    const repeat = await fx.engine.teardown(kept.link.id, tester);
    expect(repeat.status).toBe("removed");
    expect(repeat.left).toEqual([]);
    await expectClean(fx);
    expect(fx.links.all()).toEqual([]);
  });
});
