import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dockerConfigDir, readDockerContext } from "../../../src/docker/docker-context.js";

let config: string;

async function addContext(name: string, endpoint: object, tls = false): Promise<string> {
  const id = createHash("sha256").update(name).digest("hex");
  await mkdir(join(config, "contexts", "meta", id), { recursive: true });
  await writeFile(
    join(config, "contexts", "meta", id, "meta.json"),
    JSON.stringify({ Name: name, Metadata: {}, Endpoints: { docker: endpoint } }),
  );
  const tlsDir = join(config, "contexts", "tls", id, "docker");
  if (tls) {
    await mkdir(tlsDir, { recursive: true });
    for (const file of ["ca.pem", "cert.pem", "key.pem"]) await writeFile(join(tlsDir, file), file);
  }
  return tlsDir;
}

beforeEach(async () => {
  config = await mkdtemp(join(tmpdir(), "amb-docker-config-"));
});

afterEach(async () => {
  await rm(config, { recursive: true, force: true });
});

describe("readDockerContext", () => {
  it("reads the endpoint and finds the TLS folder by the sha256 of the name", async () => {
    const tlsDir = await addContext("prod", { Host: "tcp://10.0.0.5:2376", SkipTLSVerify: false }, true);
    expect(await readDockerContext("prod", config)).toEqual({
      name: "prod",
      host: "tcp://10.0.0.5:2376",
      skipTlsVerify: false,
      tlsDir,
    });
  });

  it("reports a context without TLS material and one that skips verification", async () => {
    await addContext("local", { Host: "unix:///var/run/docker.sock" });
    await addContext("lax", { Host: "tcp://10.0.0.6:2376", SkipTLSVerify: true }, true);
    expect((await readDockerContext("local", config)).tlsDir).toBeUndefined();
    expect((await readDockerContext("lax", config)).skipTlsVerify).toBe(true);
  });

  it("names the known contexts when asked for an unknown one", async () => {
    await addContext("prod", { Host: "tcp://10.0.0.5:2376" });
    await addContext("dev", { Host: "tcp://10.0.0.6:2376" });
    await expect(readDockerContext("staging", config)).rejects.toThrow(
      `no Docker context "staging" in ${join(config, "contexts")}; known contexts: dev, prod`,
    );
  });

  it("explains that the default context is not in the store", async () => {
    await expect(readDockerContext("default", config)).rejects.toThrow("use --host");
  });
});

describe("dockerConfigDir", () => {
  it("uses DOCKER_CONFIG, else ~/.docker", () => {
    expect(dockerConfigDir({ DOCKER_CONFIG: "/etc/docker-cli" }, "/home/u")).toBe("/etc/docker-cli");
    expect(dockerConfigDir({}, "/home/u")).toBe("/home/u/.docker");
  });
});
