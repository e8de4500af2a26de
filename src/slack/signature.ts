import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a request's timestamp may be from the clock, either way. */
export const maxClockSkewSeconds = 5 * 60;

/**
 * The first millisecond at which a request's timestamp is refused as too old: the skew is counted in whole seconds of
 * the clock, so the last second accepted ends a second after the timestamp plus the allowed skew.
 */
export function refusedFromMs(timestamp: string): number {
  return (Number(timestamp) + maxClockSkewSeconds + 1) * 1000;
}

/**
 * Slack's v0 signature of a request: `v0=` + hex HMAC-SHA256 of `v0:<timestamp>:<body>`, over the body's bytes as
 * sent, so a body that is not UTF-8 is still recognised as signed (and then refused for what it is).
 */
export function slackSignature(signingSecret: string, timestamp: string, body: string | Buffer): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:`).update(body).digest("hex")}`;
}

export interface SignedRequest {
  timestamp: string | undefined;
  signature: string | undefined;
  body: string | Buffer;
}

/**
 * Why a request's signature headers cannot be right, whatever its body: missing, malformed or stale.
 * Checked before the body is read, so a request that cannot be Slack's costs no more than its headers.
 */
export function checkSignatureHeaders(
  request: Pick<SignedRequest, "timestamp" | "signature">,
  nowMs: number = Date.now(),
): string | undefined {
  const { timestamp, signature } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) return "missing or malformed X-Slack-Request-Timestamp";
  if (!signature || !/^v0=[0-9a-f]{64}$/.test(signature)) return "missing or malformed X-Slack-Signature";
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(timestamp));
  if (skew > maxClockSkewSeconds) return `timestamp is ${skew} s away from the clock`;
  return undefined;
}

/** Why a request was not accepted as coming from Slack; undefined when it was. */
export function verifySlackRequest(
  signingSecret: string,
  request: SignedRequest,
  nowMs: number = Date.now(),
): string | undefined {
  const { timestamp, signature, body } = request;
  const problem = checkSignatureHeaders(request, nowMs);
  if (problem || !timestamp || !signature) return problem ?? "missing signature headers";
  const expected = Buffer.from(slackSignature(signingSecret, timestamp, body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return "signature does not match";
  return undefined;
}
