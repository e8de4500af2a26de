import { afterEach, describe, expect, it, vi } from "vitest";
import type { MemoryEngine } from "../../support/memory-engine.js";
import { type SlackHarness, startSlackHarness } from "../../support/slack-harness.js";

let harness: SlackHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const linkText = "link app clustera clusterb --alias helloapp --web hello-web";

function labOf(h: SlackHarness): MemoryEngine {
  if (!h.lab) throw new Error("the harness runs no in-memory lab");
  return h.lab;
}

/** The form fields of a Web API call as the bot sent them. */
function fields(h: SlackHarness, method: string): URLSearchParams {
  const call = h.apiCalls.find((c) => c.method === method);
  if (!call) throw new Error(`no call to ${method}; calls: ${h.apiCalls.map((c) => c.method).join(", ")}`);
  return new URLSearchParams(call.body);
}

describe("the picture of a link in Slack", () => {
  it("follows the answer to link: upload URL, the PNG's bytes, then the file shared in the command's channel", async () => {
    harness = await startSlackHarness();
    const reply = await harness.slash(linkText, { channel: "C0PICS" });
    const [answer] = await harness.waitForResponses(reply.responseId);
    expect(answer?.body.text).toContain("Linked app from clustera to clusterb as helloapp");
    await harness.waitForApiCall("files.completeUploadExternal");
    const [link] = labOf(harness).links.all();

    expect(harness.events.filter((e) => !e.startsWith("api auth."))).toEqual([
      `response ${reply.responseId}`,
      "api files.getUploadURLExternal",
      "upload F00000001",
      "api files.completeUploadExternal",
    ]);
    const [upload] = harness.uploads;
    const png = upload?.bytes ?? Buffer.alloc(0);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.length).toBeLessThanOrEqual(200 * 1024);
    expect(png.subarray(12, 16).toString("latin1")).toBe("IHDR");
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(360);
    expect(png.readUInt32BE(20)).toBeGreaterThan(png.readUInt32BE(16));
    expect(upload?.contentType).toBe("image/png");

    const asked = fields(harness, "files.getUploadURLExternal");
    expect(asked.get("filename")).toBe(`link-${link?.id}.png`);
    expect(asked.get("length")).toBe(String(png.length));
    expect(asked.get("alt_txt")).toBe(
      `Link ${link?.id}: app on clustera reached as helloapp on clusterb, mTLS, health not checked yet`,
    );
    const shared = fields(harness, "files.completeUploadExternal");
    expect(shared.get("channel_id")).toBe("C0PICS");
    expect(shared.get("thread_ts")).toBeNull();
    expect(JSON.parse(shared.get("files") ?? "[]")).toEqual([
      { id: "F00000001", title: asked.get("alt_txt") },
    ]);
  });

  it("follows status and repair too, each with the link as it is after the command", async () => {
    harness = await startSlackHarness();
    const h = harness;
    await h.waitForResponses((await h.slash(linkText)).responseId);
    const lab = labOf(h);
    const [link] = lab.links.all();
    lab.b.removeExternally("web");

    const status = await h.slash(`status ${link?.id}`);
    const [statusAnswer] = await h.waitForResponses(status.responseId);
    expect(statusAnswer?.body.text).toContain("consumer web on clusterb: missing");
    const repair = await h.slash(`repair ${link?.id}`);
    const [repairAnswer] = await h.waitForResponses(repair.responseId);
    expect(repairAnswer?.body.text).toContain(`Repaired link ${link?.id}`);

    const shared = () => h.apiCalls.filter((c) => c.method === "files.completeUploadExternal");
    await vi.waitFor(() => expect(shared()).toHaveLength(3), { timeout: 10_000 });
    expect(h.uploads).toHaveLength(3);
    const titles = shared().map(
      (c) => JSON.parse(new URLSearchParams(c.body).get("files") ?? "[]")[0]?.title,
    );
    // The repair made the consumer anew: its picture does not show the health the last check found. Uploads run
    // side by side, so the pictures of status and repair may be shared in either order.
    expect(titles).toContain(
      `Link ${link?.id}: app on clustera reached as helloapp on clusterb, mTLS, health not checked yet`,
    );
    expect(h.events.indexOf(`response ${repair.responseId}`)).toBeLessThan(
      h.events.lastIndexOf("api files.getUploadURLExternal"),
    );
  });

  it("never fails the command when Slack refuses the upload: the answer stands and the refusal is logged", async () => {
    harness = await startSlackHarness();
    harness.failApi("files.completeUploadExternal", "not_in_channel");
    const reply = await harness.slash(linkText);
    const answers = await harness.waitForResponses(reply.responseId);
    await harness.waitForApiCall("files.completeUploadExternal");
    await harness.close();
    const log = harness.log.text;
    harness = undefined;

    expect(answers).toHaveLength(1);
    expect(answers[0]?.body.response_type).toBe("in_channel");
    expect(answers[0]?.body.text).toContain("Linked app from clustera to clusterb as helloapp");
    expect(log).toContain("could not post the picture of a link; the text answer stands");
    expect(log).toContain("not_in_channel");
  });

  it("never fails the command when the upload URL refuses the bytes", async () => {
    harness = await startSlackHarness();
    harness.failApi("upload", "upload refused");
    const reply = await harness.slash(linkText);
    const answers = await harness.waitForResponses(reply.responseId);
    await vi.waitFor(() => expect(harness?.log.text).toContain("the upload URL answered HTTP 500"), {
      timeout: 10_000,
    });
    expect(answers).toHaveLength(1);
    expect(harness.apiCalls.map((c) => c.method)).not.toContain("files.completeUploadExternal");
  });

  it("uploads nothing with AMBASSADOR_PICTURES=off, and nothing for an answer about no single link", async () => {
    harness = await startSlackHarness({ env: { AMBASSADOR_PICTURES: "off" } });
    const reply = await harness.slash(linkText);
    await harness.waitForResponses(reply.responseId);
    const list = await harness.slash("list");
    expect(list.status).toBe(200);
    await harness.close();
    const calls = harness.apiCalls;
    harness = undefined;
    expect(calls.filter((c) => c.method.startsWith("files."))).toEqual([]);

    harness = await startSlackHarness();
    expect((await harness.slash("list")).status).toBe(200);
    expect((await harness.slash("help")).status).toBe(200);
    await harness.close();
    const quiet = harness.apiCalls;
    harness = undefined;
    expect(quiet.filter((c) => c.method.startsWith("files."))).toEqual([]);
  });
});
