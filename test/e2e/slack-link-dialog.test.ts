import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiCall } from "../../bench/slack-client.js";
import { defaultBackend } from "../../src/app-context.js";
import { labelKeys } from "../../src/engine/labels.js";
import { lab, labDocker, testLabel } from "../lab.js";
import { submittedLinkDialog } from "../support/link-dialog-view.js";
import { type SlackHarness, startSlackHarness } from "../support/slack-harness.js";

type View = { blocks: { block_id?: string; element?: { initial_value?: string } }[] };
const viewOf = (call: ApiCall | undefined) => call?.args.view as View;

/** The seed tutorial made from the dialog and undone from the Home tab, against the lab's two real Engines. */
describe("the link dialog and the Home tab on the lab", () => {
  let harness: SlackHarness;
  let hostA: Docker;
  let hostB: Docker;
  let folder: string;

  const ownedBy = async (docker: Docker) =>
    docker.listContainers({ all: true, filters: JSON.stringify({ label: [labelKeys.link] }) });
  const dialog = (values: Record<string, unknown>) =>
    submittedLinkDialog(values, { botToken: harness.botToken });
  const choice = (value: string) => ({ type: "static_select", selected_option: { value } });
  const text = (value: string | null) => ({ type: "plain_text_input", value });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), "ambassador-dialog-"));
    harness = await startSlackHarness({
      backend: defaultBackend,
      env: { AMBASSADOR_STORE: join(folder, "store.json"), LOG_LEVEL: "info" },
    });
    const register = harness.services.runClustersCommand;
    if (!register) throw new Error("the real backend has no clusters command");
    for (const name of ["clustera", "clusterb"] as const) {
      const added = await register(["add", name, "--docker-env", lab()[name].envFile]);
      expect(added.exitCode, added.output).toBe(0);
    }
    hostA = await labDocker(lab().clustera);
    hostB = await labDocker(lab().clusterb);
    const app = await hostA.createContainer({
      Image: "hello-app:latest",
      name: "app",
      Labels: { [testLabel]: "1" },
    });
    await app.start();
  });

  afterAll(async () => {
    await hostA?.getContainer("app").remove({ force: true });
    await harness?.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("picks app from clustera's live containers, links it on submit, and tears it down from the Home tab", async () => {
    const suggested = await harness.interact({
      type: "block_suggestion",
      action_id: "link_container",
      block_id: "container",
      value: "ap",
      view: dialog({ source: { link_source: choice("clustera") } }),
    });
    expect(suggested.elapsedMs).toBeLessThan(1_000);
    expect(suggested.body).toEqual({
      options: [{ text: { type: "plain_text", text: "app (hello-app:latest)" }, value: "app" }],
    });

    await harness.interact({
      type: "block_actions",
      container: { type: "view", view_id: "VDIALOG" },
      view: dialog({
        source: { link_source: choice("clustera") },
        container: { link_container: choice("app") },
      }),
      actions: [
        { type: "external_select", action_id: "link_container", block_id: "container", action_ts: "1.3" },
      ],
    });
    const [filled] = await harness.waitForApi("views.update");
    expect(
      viewOf(filled).blocks.find((block) => block.block_id === "ports:app")?.element?.initial_value,
    ).toBe("5000");

    const submitted = await harness.interact({
      type: "view_submission",
      view: dialog({
        source: { link_source: choice("clustera") },
        container: { link_container: choice("app") },
        target: { link_target: choice("clusterb") },
        alias: { link_alias: text("helloapp") },
        "ports:app": { link_ports: text("5000") },
        consumer: { link_web: text("hello-web") },
      }),
    });
    expect(submitted.elapsedMs).toBeLessThan(3_000);
    expect(submitted.body).toMatchObject({ response_action: "update" });
    const [posted] = await harness.waitForApi("chat.postMessage", 1, 60_000);
    expect(posted?.args.channel).toBe("C1");
    const url = /http:\/\/10\.213\.\d+\.3:\d+/.exec(String(posted?.args.text))?.[0];
    expect(url, String(posted?.args.text)).toBeDefined();
    expect(await (await fetch(url as string)).text()).toContain(
      'The linked container says ... "Hello World!"',
    );

    await harness.event({ type: "app_home_opened", tab: "home", channel: "D1" });
    const [home] = await harness.waitForApi("views.publish");
    const [link] = harness.services.links?.all() ?? [];
    expect(JSON.stringify(viewOf(home).blocks)).toContain(`link \`${link?.id}\``);

    await harness.interact({
      type: "block_actions",
      container: { type: "view", view_id: "VHOME" },
      view: { id: "VHOME", type: "home", hash: "h" },
      actions: [
        { type: "button", action_id: "home_teardown", block_id: "b", value: link?.id, action_ts: "1.4" },
      ],
    });
    const updates = await harness.waitForApi("views.update", 3, 60_000);
    expect(JSON.stringify(viewOf(updates.at(-1)).blocks)).toContain(`Tore down link \`${link?.id}\``);
    expect(await ownedBy(hostA)).toEqual([]);
    expect(await ownedBy(hostB)).toEqual([]);
    const audit = (await harness.services.audit.entries())
      .filter((entry) => entry.actor.kind === "slack")
      .map((entry) => `${entry.action} ${entry.outcome}`);
    expect(audit).toEqual(["link started", "link ok", "teardown started", "teardown ok"]);
  }, 120_000);
});
