import { describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import { memoryEngine } from "../../support/memory-engine.js";

const tester = { actor: { kind: "local" as const, user: "tester" } };

describe("a --web image that is not on the host and cannot be pulled", () => {
  it.each([
    [
      'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io on 10.255.255.53:53: read udp 10.213.1.3:55201->10.255.255.53:53: i/o timeout',
      "the registry registry-1.docker.io did not answer: i/o timeout",
    ],
    [
      'Get "http://localhost:5999/v2/": dial tcp 127.0.0.1:5999: connect: connection refused',
      "the registry localhost:5999 did not answer: connection refused",
    ],
    [
      'Get "https://registry.example:5000/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)',
      "the registry registry.example:5000 did not answer: Client.Timeout exceeded while awaiting headers",
    ],
    [
      'Error response from daemon: Head "https://nosuch.example/v2/web/manifests/latest": dial tcp: lookup nosuch.example on 127.0.0.11:53: no such host',
      "the registry nosuch.example does not resolve (no such host)",
    ],
    [
      'Get "https://localhost:5999/v2/": http: server gave HTTP response to HTTPS client',
      'Get "https://localhost:5999/v2/": http: server gave HTTP response to HTTPS client',
    ],
    [
      'Get "https://registry.example/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority',
      'Get "https://registry.example/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    ],
    [
      'Head "https://registry.example/v2/web/manifests/latest": received unexpected HTTP status: 503 Service Unavailable',
      'Head "https://registry.example/v2/web/manifests/latest": received unexpected HTTP status: 503 Service Unavailable',
    ],
    [
      "pull access denied for nosuch/web, repository does not exist or may require 'docker login'",
      "pull access denied for nosuch/web, repository does not exist or may require 'docker login'",
    ],
  ])("says in one line what the registry said, and leaves nothing: %s", async (said, reason) => {
    const lab = memoryEngine();
    lab.b.defineImage("nosuch/web:latest", "plain", { present: false });
    lab.b.failOn("pull image", { statusCode: 500, reason: said, withoutAddress: said });
    const error = await lab.engine
      .link("app", "clustera", "clusterb", { web: "nosuch/web:latest" }, tester)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `The web image nosuch/web:latest is not on clusterb and could not be pulled (${reason}); load it on that host or name another image with --web.`,
    );
    expect(await lab.a.listContainers(["io.ambassador.link"])).toEqual([]);
    expect(await lab.b.listContainers(["io.ambassador.link"])).toEqual([]);
  });
});
