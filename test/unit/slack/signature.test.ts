import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { slackSignature, verifySlackRequest } from "../../../src/slack/signature.js";

// The worked example in Slack's "Verifying requests from Slack".
const secret = "8f742231b10e8888abcd99yyyzzz85a5";
const timestamp = "1531420618";
const body =
  "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";
const then = Number(timestamp) * 1000;

describe("Slack request signatures", () => {
  it("computes Slack's published example", () => {
    expect(slackSignature(secret, timestamp, body)).toBe(signature);
  });

  it("accepts the example at its own time and up to five minutes either side", () => {
    expect(verifySlackRequest(secret, { timestamp, signature, body }, then)).toBeUndefined();
    expect(verifySlackRequest(secret, { timestamp, signature, body }, then + 300_000)).toBeUndefined();
    expect(verifySlackRequest(secret, { timestamp, signature, body }, then - 300_000)).toBeUndefined();
  });

  it("refuses timestamps more than five minutes off, in the past or in the future", () => {
    expect(verifySlackRequest(secret, { timestamp, signature, body }, then + 301_000)).toMatch(/301 s away/);
    expect(verifySlackRequest(secret, { timestamp, signature, body }, then - 301_000)).toMatch(/301 s away/);
  });

  it("refuses a changed body, another secret, and missing or malformed headers", () => {
    expect(
      verifySlackRequest(secret, { timestamp, signature, body: body.replace("roadrunner", "coyote") }, then),
    ).toBe("signature does not match");
    expect(verifySlackRequest("another-secret", { timestamp, signature, body }, then)).toBe(
      "signature does not match",
    );
    expect(verifySlackRequest(secret, { timestamp, signature: undefined, body }, then)).toMatch(
      /X-Slack-Signature/,
    );
    expect(verifySlackRequest(secret, { timestamp: undefined, signature, body }, then)).toMatch(/Timestamp/);
    expect(verifySlackRequest(secret, { timestamp: "soon", signature, body }, then)).toMatch(/Timestamp/);
    expect(
      verifySlackRequest(secret, { timestamp, signature: signature.replace("v0=", "v1="), body }, then),
    ).toMatch(/X-Slack-Signature/);
  });

  it("signs the body's bytes as sent, so a body that is not UTF-8 is still recognised as signed", () => {
    const bytes = Buffer.concat([Buffer.from("text="), Buffer.from([0xff, 0xfe])]);
    const overBytes = `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:`).update(bytes).digest("hex")}`;
    expect(slackSignature(secret, timestamp, bytes)).toBe(overBytes);
    expect(
      verifySlackRequest(secret, { timestamp, signature: overBytes, body: bytes }, then),
    ).toBeUndefined();
  });
});
