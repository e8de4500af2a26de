import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDockerEnv, readDockerEnvFile } from "../../../src/docker/docker-env-file.js";

const file = "/bundles/clustera/docker.env";

describe("parseDockerEnv", () => {
  it("reads a Carina bundle with export lines and an absolute cert path", () => {
    const text = [
      "export DOCKER_HOST=tcp://10.0.0.5:2376",
      "export DOCKER_TLS_VERIFY=1",
      "export DOCKER_CERT_PATH=/bundles/clustera",
    ].join("\n");
    expect(parseDockerEnv(text, file)).toEqual({
      envFile: file,
      host: "tcp://10.0.0.5:2376",
      tlsVerify: true,
      certPath: "/bundles/clustera",
    });
  });

  it("allows comments, blank lines, quotes, CRLF and lines without export", () => {
    const text = [
      "# Docker environment for clustera",
      "",
      '  DOCKER_HOST="tcp://10.0.0.5:2376"   # the swarm',
      "export DOCKER_TLS_VERIFY='1'",
      'export DOCKER_CERT_PATH="/bundles/with space/certs"',
      "echo ignored",
    ].join("\r\n");
    const bundle = parseDockerEnv(text, file);
    expect(bundle.host).toBe("tcp://10.0.0.5:2376");
    expect(bundle.tlsVerify).toBe(true);
    expect(bundle.certPath).toBe("/bundles/with space/certs");
  });

  it("takes the env file's folder for a missing, relative or computed cert path", () => {
    const host = "export DOCKER_HOST=tcp://10.0.0.5:2376\nexport DOCKER_TLS_VERIFY=1\n";
    expect(parseDockerEnv(host, file).certPath).toBe("/bundles/clustera");
    expect(parseDockerEnv(`${host}export DOCKER_CERT_PATH=certs`, file).certPath).toBe(
      "/bundles/clustera/certs",
    );
    expect(parseDockerEnv(`${host}export DOCKER_CERT_PATH=.`, file).certPath).toBe("/bundles/clustera");
    expect(
      parseDockerEnv(`${host}export DOCKER_CERT_PATH=$(cd "$(dirname "\${BASH_SOURCE[0]}")" && pwd)`, file)
        .certPath,
    ).toBe("/bundles/clustera");
  });

  it("treats an empty, 0 or missing DOCKER_TLS_VERIFY as no verification requested", () => {
    for (const value of ["", "0", "false"]) {
      expect(parseDockerEnv(`DOCKER_HOST=tcp://h:2375\nDOCKER_TLS_VERIFY=${value}`, file).tlsVerify).toBe(
        false,
      );
    }
    expect(parseDockerEnv("DOCKER_HOST=tcp://h:2375", file).tlsVerify).toBe(false);
  });

  it("refuses a file without DOCKER_HOST, naming it", () => {
    expect(() => parseDockerEnv("export DOCKER_TLS_VERIFY=1\n", file)).toThrow(
      `${file} sets no DOCKER_HOST; is it a Docker credentials bundle?`,
    );
  });

  it("refuses an unclosed quote with the line number", () => {
    expect(() => parseDockerEnv('export DOCKER_HOST=tcp://h:1\nexport DOCKER_CERT_PATH="/x\n', file)).toThrow(
      `${file}:2: a " quote is not closed`,
    );
  });

  it("refuses a cert path made of shell variables", () => {
    expect(() => parseDockerEnv("DOCKER_HOST=tcp://h:1\nDOCKER_CERT_PATH=$HOME/certs", file)).toThrow(
      "DOCKER_CERT_PATH uses a shell variable",
    );
  });
});

describe("readDockerEnvFile", () => {
  it("resolves the file against the working folder", async () => {
    const dir = await mkdtemp(join(tmpdir(), "amb-env-"));
    await writeFile(join(dir, "docker.env"), "export DOCKER_HOST=tcp://10.0.0.5:2376\n");
    const bundle = await readDockerEnvFile("docker.env", dir);
    expect(bundle.envFile).toBe(join(dir, "docker.env"));
    expect(bundle.certPath).toBe(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it("names a missing file", async () => {
    await expect(readDockerEnvFile("/nowhere/docker.env")).rejects.toThrow(
      "the env file /nowhere/docker.env does not exist",
    );
  });
});
