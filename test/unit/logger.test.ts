import { describe, expect, it } from "vitest";
import { createLogger, readableLog, scrubText } from "../../src/logger.js";
import { CapturedOutput } from "../support/fakes.js";

const botToken = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx";
const appToken = "xapp-1-A0123456789-1234567890-abcdef0123456789";
const signingSecret = "8f742231b10e8888abcd99yyyzzz85a5";
const responseUrl = "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN";
const privateKey = "-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAx1y2z3\n-----END RSA PRIVATE KEY-----";

describe("the logger", () => {
  it("never prints tokens, the signing secret, response URLs or private keys", () => {
    const out = new CapturedOutput();
    const logger = createLogger({ level: "trace", secrets: [signingSecret], destination: out });
    logger.info({ botToken, config: { slack: { signingSecret } } }, "starting");
    logger.info({ body: { response_url: responseUrl, text: "ports web" } }, "command");
    logger.warn(`posting to ${responseUrl} with ${botToken} failed`);
    logger.error({ err: new Error(`TLS failed with key ${privateKey} and ${appToken}`) }, "cluster");
    logger.debug({ headers: { authorization: `Bearer ${botToken}`, "x-slack-signature": "v0=abc" } }, "call");
    logger.info({ nested: { deeper: [`secret is ${signingSecret}`] } }, "nested");
    for (const secret of [
      botToken,
      appToken,
      signingSecret,
      responseUrl,
      "MIIEpAIBAAKCAQEAx1y2z3",
      "hooks.slack.com",
    ]) {
      expect(out.text).not.toContain(secret);
    }
    expect(out.text).toContain("ports web");
    expect(out.text.split("\n").filter(Boolean)).toHaveLength(6);
  });

  it("keeps the rest of a message readable", () => {
    expect(scrubText(`token ${botToken} for http://127.0.0.1:9/commands/T1/2/abc ok`)).toBe(
      "token [redacted] for [redacted] ok",
    );
  });
});

describe("the log at the terminal", () => {
  it("reads as one line per entry, with its fields and an error by its message (its cause said once), and still hides secrets", () => {
    let printed = "";
    const logger = createLogger({
      level: "warn",
      secrets: ["s3cret-value"],
      destination: readableLog({ write: (text: string) => (printed += text) }),
    });
    logger.warn(
      {
        link: "d7d7a43cc0a4",
        step: "check images",
        leftovers: [],
        unsearched: ["clusterc"],
        err: new Error("no answer within 15 s"),
      },
      "link rolled back",
    );
    logger.error({ token: "xoxb-1-2-3" }, "could not start with s3cret-value");
    logger.warn({ err: new Error("bad\u001b[2Jname") }, "moved\nline");
    const denied = new Error("EPERM: operation not permitted, open 'audit.jsonl'");
    logger.error(
      { err: new Error(`could not write audit.jsonl: ${denied.message}`, { cause: denied }) },
      "audit line lost",
    );
    logger.info({}, "not shown at warn");
    expect(printed.split("\n")).toEqual([
      "warning: link rolled back (link: d7d7a43cc0a4; step: check images; unsearched: clusterc; err: no answer within 15 s)",
      "error: could not start with [redacted] (token: [redacted])",
      "warning: moved\\nline (err: bad\\u001b[2Jname)",
      "error: audit line lost (err: could not write audit.jsonl: EPERM: operation not permitted, open 'audit.jsonl')",
      "",
    ]);
  });
});
