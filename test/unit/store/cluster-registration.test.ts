import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../../../src/errors.js";
import {
  type ClusterRequest,
  checkClusterName,
  registerCluster,
  resolveClusterRequest,
} from "../../../src/store/cluster-registration.js";
import { engineLikeHandler, startLoopbackServer } from "../../loopback-server.js";
import { makeTlsBundle } from "../../pki.js";
import { openTestStore } from "../../test-store.js";

let root: string;
let good: string;
let expired: string;
let mismatched: string;

async function refusal(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect((error as UserError).message).not.toContain("\n");
  return error as UserError;
}

const host = (url: string, certPath?: string): ClusterRequest => ({
  name: "prod",
  source: { kind: "host", url, certPath },
});

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "amb-rules-"));
  good = (await makeTlsBundle(join(root, "good"))).dir;
  expired = (await makeTlsBundle(join(root, "expired"), { notAfter: "20200102000000Z" })).dir;
  const other = (await makeTlsBundle(join(root, "other"))).dir;
  mismatched = join(root, "mismatched");
  await mkdir(mismatched);
  await cp(join(good, "ca.pem"), join(mismatched, "ca.pem"));
  await cp(join(good, "cert.pem"), join(mismatched, "cert.pem"));
  await cp(join(other, "key.pem"), join(mismatched, "key.pem"));
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("cluster names", () => {
  it("accepts [a-z0-9][a-z0-9-]{0,62}", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,62}$/), (name) => {
        checkClusterName(name);
      }),
    );
  });

  it("refuses anything else with a message that shows the rule", () => {
    for (const name of ["", "-a", "Clustera", "a_b", "a.b", "a".repeat(64), "ü"]) {
      expect(() => checkClusterName(name)).toThrow("use 1-63 lowercase letters, digits or dashes");
    }
  });
});

describe("resolveClusterRequest", () => {
  it("reads a TLS bundle from --cert-path and defaults the advertise address to the URL's host", async () => {
    const candidate = await resolveClusterRequest(host("tcp://10.0.0.5", good));
    expect(candidate.host).toBe("tcp://10.0.0.5:2376");
    expect(candidate.advertise).toBe("10.0.0.5");
    expect(candidate.tls?.key).toContain("PRIVATE KEY");
    expect(candidate.channels).toEqual([]);
  });

  it("requires TLS for a tcp:// host that is not loopback", async () => {
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2375")));
    expect(error.code).toBe("tls-required");
    expect(error.message).toBe(
      "tcp://10.0.0.5:2375 is not a loopback address, so it needs TLS with ca.pem, cert.pem and key.pem, but no --cert-path was given",
    );
  });

  it("requires TLS from an env file that does not ask for verification", async () => {
    const dir = join(root, "noverify");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "docker.env"), "export DOCKER_HOST=tcp://10.0.0.5:2376\n");
    const error = await refusal(
      resolveClusterRequest({ name: "prod", source: { kind: "env-file", path: join(dir, "docker.env") } }),
    );
    expect(error.message).toContain(`but ${join(dir, "docker.env")} does not set DOCKER_TLS_VERIFY=1`);
  });

  it("allows a loopback tcp:// host without TLS", async () => {
    const candidate = await resolveClusterRequest(host("tcp://127.0.0.1:2375"));
    expect(candidate.tls).toBeUndefined();
  });

  it("requires TLS for a *.localhost name, which is looked up in DNS like any other", async () => {
    const error = await refusal(resolveClusterRequest(host("tcp://docker.localhost:2375")));
    expect(error.code).toBe("tls-required");
    expect(error.message).toMatch(
      /^tcp:\/\/docker\.localhost:2375 is not a loopback address, so it needs TLS/,
    );
  });

  it("names a missing TLS file", async () => {
    const dir = join(root, "nokey");
    await cp(good, dir, { recursive: true });
    await rm(join(dir, "key.pem"));
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2376", dir)));
    expect(error.message).toBe(`the TLS file ${join(dir, "key.pem")} does not exist`);
  });

  it("names an unreadable TLS file", async () => {
    const dir = join(root, "unreadable");
    await cp(good, dir, { recursive: true });
    await rm(join(dir, "cert.pem"));
    await mkdir(join(dir, "cert.pem"));
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2376", dir)));
    expect(error.code).toBe("unreadable-file");
    expect(error.message).toBe(`the TLS file ${join(dir, "cert.pem")} is a folder, not a file`);
  });

  it("refuses a certificate and key that do not match", async () => {
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2376", mismatched)));
    expect(error.code).toBe("key-mismatch");
    expect(error.message).toBe(
      `${join(mismatched, "cert.pem")} and ${join(mismatched, "key.pem")} do not match: the key is not the certificate's private key`,
    );
  });

  it("refuses an expired certificate", async () => {
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2376", expired)));
    expect(error.code).toBe("expired-certificate");
    expect(error.message).toBe(
      `${join(expired, "cert.pem")} expired on 2020-01-02T00:00:00.000Z; get a fresh credentials bundle for this host`,
    );
  });

  it("refuses a file that is not a certificate", async () => {
    const dir = join(root, "garbage");
    await cp(good, dir, { recursive: true });
    await cp(join(good, "key.pem"), join(dir, "ca.pem"));
    const error = await refusal(resolveClusterRequest(host("tcp://10.0.0.5:2376", dir)));
    expect(error.message).toBe(`${join(dir, "ca.pem")} holds no PEM certificate`);
  });

  it("needs --advertise for a unix socket, and refuses --cert-path on it", async () => {
    const error = await refusal(resolveClusterRequest(host("unix:///var/run/docker.sock")));
    expect(error.message).toContain("add --advertise <ip or hostname>");
    const withAddress = await resolveClusterRequest({
      ...host("unix:///var/run/docker.sock"),
      advertise: "10.0.0.7",
    });
    expect(withAddress).toMatchObject({ host: "unix:///var/run/docker.sock", advertise: "10.0.0.7" });
    await refusal(resolveClusterRequest(host("unix:///var/run/docker.sock", good)));
  });

  it("takes ssh:// URLs without TLS", async () => {
    expect(await resolveClusterRequest(host("ssh://deploy@10.0.0.9"))).toMatchObject({
      host: "ssh://deploy@10.0.0.9",
      advertise: "10.0.0.9",
    });
  });

  it("refuses bad channel IDs and advertise addresses", async () => {
    await refusal(resolveClusterRequest({ ...host("tcp://127.0.0.1:2375"), channels: ["#general"] }));
    await refusal(resolveClusterRequest({ ...host("tcp://127.0.0.1:2375"), advertise: "not an address" }));
    const ok = await resolveClusterRequest({
      ...host("tcp://127.0.0.1:2375"),
      channels: ["C0123ABCD", "C0123ABCD", "G0999ZZZZ"],
    });
    expect(ok.channels).toEqual(["C0123ABCD", "G0999ZZZZ"]);
  });
});

describe("resolveClusterRequest with a Docker context", () => {
  async function context(name: string, endpoint: object, tlsFrom?: string): Promise<string> {
    const config = await mkdtemp(join(root, "docker-config-"));
    const id = createHash("sha256").update(name).digest("hex");
    await mkdir(join(config, "contexts", "meta", id), { recursive: true });
    await writeFile(
      join(config, "contexts", "meta", id, "meta.json"),
      JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: endpoint } }),
    );
    if (tlsFrom) await cp(tlsFrom, join(config, "contexts", "tls", id, "docker"), { recursive: true });
    return config;
  }

  it("takes the host and TLS files of the context", async () => {
    const config = await context("prod", { Host: "tcp://10.0.0.5:2376", SkipTLSVerify: false }, good);
    const candidate = await resolveClusterRequest(
      { name: "prod", source: { kind: "context", name: "prod" } },
      { dockerConfigDir: config },
    );
    expect(candidate).toMatchObject({ host: "tcp://10.0.0.5:2376", advertise: "10.0.0.5" });
    expect(candidate.tls?.cert).toBe(await readFile(join(good, "cert.pem"), "utf8"));
  });

  it("refuses a context that skips TLS verification", async () => {
    const config = await context("lax", { Host: "tcp://10.0.0.5:2376", SkipTLSVerify: true }, good);
    const error = await refusal(
      resolveClusterRequest(
        { name: "lax", source: { kind: "context", name: "lax" } },
        { dockerConfigDir: config },
      ),
    );
    expect(error.message).toBe(
      'the Docker context "lax" skips TLS verification; ambassador always verifies the server certificate, so fix the context first',
    );
  });

  it("refuses a tcp:// context without TLS material", async () => {
    const config = await context("bare", { Host: "tcp://10.0.0.5:2375" });
    const error = await refusal(
      resolveClusterRequest(
        { name: "bare", source: { kind: "context", name: "bare" } },
        { dockerConfigDir: config },
      ),
    );
    expect(error.message).toContain('but the Docker context "bare" has no TLS material');
  });
});

describe("registerCluster", () => {
  it("leaves the store unchanged for every refused request", async () => {
    await using services = await openTestStore();
    const before = await readFile(services.path, "utf8");
    const requests: ClusterRequest[] = [
      host("tcp://10.0.0.5:2376"),
      host("tcp://10.0.0.5:2376", expired),
      host("tcp://10.0.0.5:2376", mismatched),
      host("tcp://10.0.0.5:2376", join(root, "does-not-exist")),
      { name: "Not-Valid", source: { kind: "host", url: "tcp://127.0.0.1:2375" } },
      host("http://10.0.0.5:2375"),
    ];
    for (const request of requests) {
      await refusal(
        registerCluster(request, { registry: services.registry, actor: { kind: "local", user: "t" } }),
      );
    }
    expect(await readFile(services.path, "utf8")).toBe(before);
  });

  it("saves nothing when nothing listens at the host", async () => {
    await using services = await openTestStore();
    const before = await readFile(services.path, "utf8");
    const error = await refusal(
      registerCluster(host("tcp://127.0.0.1:1"), {
        registry: services.registry,
        actor: { kind: "local", user: "t" },
      }),
    );
    expect(error.message).toBe("nothing listens at tcp://127.0.0.1:1 (connection refused)");
    expect(await readFile(services.path, "utf8")).toBe(before);
  });

  it("saves nothing when the host is a web server, not Docker", async () => {
    await using web = await startLoopbackServer((_, response) => {
      response.setHeader("content-type", "text/html");
      response.end("<html>It works!</html>");
    });
    await using services = await openTestStore();
    const before = await readFile(services.path, "utf8");
    const error = await refusal(
      registerCluster(host(web.url), { registry: services.registry, actor: { kind: "local", user: "t" } }),
    );
    expect(error.code).toBe("not-docker");
    expect(error.message).toBe(`${web.url} answered GET /version, but not as a Docker Engine does`);
    expect(web.requests).toEqual(["GET /v1.41/version"]);
    expect(await readFile(services.path, "utf8")).toBe(before);
  });

  it("saves nothing when the host answers HTTP errors", async () => {
    await using web = await startLoopbackServer((_, response) => {
      response.statusCode = 404;
      response.end("not found");
    });
    await using services = await openTestStore();
    const error = await refusal(
      registerCluster(host(web.url), { registry: services.registry, actor: { kind: "local", user: "t" } }),
    );
    expect(error.message).toBe(
      `${web.url} answered HTTP 404 to GET /version: it is not a Docker Engine API (or a broken one)`,
    );
    expect(services.registry.list()).toEqual([]);
  });

  it("gives up at the deadline when the host never answers", async () => {
    await using silent = await startLoopbackServer(() => undefined);
    await using services = await openTestStore();
    const started = Date.now();
    const error = await refusal(
      registerCluster(host(silent.url), {
        registry: services.registry,
        actor: { kind: "local", user: "t" },
        connectTimeoutMs: 300,
      }),
    );
    expect(error.message).toBe(`${silent.url} did not answer within 0.3 s`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(services.registry.list()).toEqual([]);
  });

  it("connects first, then saves the cluster and audits who added it", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    const { record, ping } = await registerCluster(
      { ...host(engine.url), channels: ["C0123ABCD"] },
      { registry: services.registry, actor: { kind: "local", user: "alice" } },
    );
    expect(ping).toMatchObject({ version: "20.10.24", apiVersion: "1.41" });
    expect(record).toMatchObject({ name: "prod", host: engine.url, channels: ["C0123ABCD"] });
    expect(await services.audit.entries()).toEqual([
      expect.objectContaining({
        actor: { kind: "local", user: "alice" },
        action: "cluster.add",
        target: "prod",
        outcome: "ok",
      }),
    ]);
    const again = await refusal(
      registerCluster(host(engine.url), {
        registry: services.registry,
        actor: { kind: "local", user: "alice" },
      }),
    );
    expect(again.code).toBe("cluster-exists");
  });

  it("ignores the process's own DOCKER_* variables", async () => {
    await using engine = await startLoopbackServer(engineLikeHandler);
    await using services = await openTestStore();
    const saved = { ...process.env };
    Object.assign(process.env, {
      DOCKER_HOST: "tcp://127.0.0.1:1",
      DOCKER_TLS_VERIFY: "1",
      DOCKER_CERT_PATH: "/nonexistent",
    });
    try {
      await registerCluster(host(engine.url), {
        registry: services.registry,
        actor: { kind: "local", user: "t" },
      });
    } finally {
      for (const name of ["DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"]) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    expect(engine.requests).toEqual(["GET /v1.41/version"]);
  });
});
