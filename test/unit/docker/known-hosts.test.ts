import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { findKnownHostKeys, knownHostName, refuseHostKey } from "../../../src/docker/known-hosts.js";

const key = randomBytes(51);
const other = randomBytes(51);
const b64 = (blob: Buffer) => blob.toString("base64");

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString("base64")}|${createHmac("sha1", salt).update(name).digest("base64")}`;
}

describe("known_hosts", () => {
  it("names hosts as OpenSSH does: the bare name on port 22, [name]:port elsewhere", () => {
    expect(knownHostName("docker.example.com", 22)).toBe("docker.example.com");
    expect(knownHostName("10.0.0.9", 2222)).toBe("[10.0.0.9]:2222");
  });

  it("finds plain, hashed and wildcard entries, and honours negation and @revoked", () => {
    const text = [
      `# comment`,
      `a.example.com,10.0.0.1 ssh-ed25519 ${b64(key)}`,
      `${hashed("[10.0.0.9]:2222")} ssh-ed25519 ${b64(key)}`,
      `*.lab.example.com,!bad.lab.example.com ssh-ed25519 ${b64(key)}`,
      `@revoked * ssh-ed25519 ${b64(other)}`,
      `@cert-authority * ssh-ed25519 ${b64(key)}`,
    ].join("\n");
    expect(findKnownHostKeys(text, "10.0.0.1").keys).toHaveLength(1);
    expect(findKnownHostKeys(text, "[10.0.0.9]:2222").keys).toHaveLength(1);
    expect(findKnownHostKeys(text, "10.0.0.9").keys).toHaveLength(0);
    expect(findKnownHostKeys(text, "x.lab.example.com").keys).toHaveLength(1);
    expect(findKnownHostKeys(text, "bad.lab.example.com").keys).toHaveLength(0);
    const where = { url: "ssh://u@10.0.0.1", name: "10.0.0.1", file: "/home/u/.ssh/known_hosts" };
    const known = findKnownHostKeys(text, "10.0.0.1");
    expect(refuseHostKey(known, key, where)).toBeUndefined();
    expect(refuseHostKey(known, other, where)?.code).toBe("ssh-host-key-revoked");
    expect(refuseHostKey(known, randomBytes(51), where)?.code).toBe("ssh-host-key-changed");
  });
});
