import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UserError } from "../errors.js";
import { readUserFile } from "./user-files.js";

/** The Docker endpoint of a context in the Docker CLI's context store. */
export interface DockerContextEndpoint {
  name: string;
  host: string;
  skipTlsVerify: boolean;
  /** Folder holding the context's ca.pem, cert.pem and key.pem, when it has TLS material. */
  tlsDir?: string;
}

/** The Docker CLI's configuration folder: DOCKER_CONFIG, else ~/.docker. */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  return env.DOCKER_CONFIG ? resolve(env.DOCKER_CONFIG) : join(home, ".docker");
}

function contextId(name: string): string {
  return createHash("sha256").update(name).digest("hex");
}

async function contextNames(configDir: string): Promise<string[]> {
  const metaDir = join(configDir, "contexts", "meta");
  const names: string[] = [];
  for (const id of await readdir(metaDir).catch(() => [] as string[])) {
    try {
      const text = await readUserFile(join(metaDir, id, "meta.json"), "the context file");
      const meta = JSON.parse(text) as { Name?: unknown };
      if (typeof meta.Name === "string") names.push(meta.Name);
    } catch {
      // Not a context folder, or not one we can read safely: it is only left out of the list.
    }
  }
  return names.sort();
}

/** Reads context `name` from `<configDir>/contexts` (meta/<sha256>/meta.json and tls/<sha256>/docker/). */
export async function readDockerContext(name: string, configDir: string): Promise<DockerContextEndpoint> {
  if (name === "default") {
    throw new UserError(
      "unknown-context",
      'the "default" Docker context is not stored in the context store; use --host (for example --host unix:///var/run/docker.sock)',
    );
  }
  const id = contextId(name);
  const metaFile = join(configDir, "contexts", "meta", id, "meta.json");
  const exists = await stat(metaFile).then(
    () => true,
    () => false,
  );
  if (!exists) {
    const known = await contextNames(configDir);
    throw new UserError(
      "unknown-context",
      `no Docker context "${name}" in ${join(configDir, "contexts")}; ${known.length ? `known contexts: ${known.join(", ")}` : "it holds no contexts"}`,
    );
  }
  const text = await readUserFile(metaFile, "the context file");
  let meta: { Name?: unknown; Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
  try {
    meta = JSON.parse(text);
  } catch {
    throw new UserError("bad-context", `the context file ${metaFile} is not valid JSON`);
  }
  const endpoint = meta.Endpoints?.docker;
  if (typeof endpoint?.Host !== "string" || !endpoint.Host) {
    throw new UserError(
      "bad-context",
      `the Docker context "${name}" has no Docker endpoint host (${metaFile})`,
    );
  }
  const tlsDir = join(configDir, "contexts", "tls", id, "docker");
  const hasTls = await stat(tlsDir).then(
    (info) => info.isDirectory(),
    () => false,
  );
  return {
    name,
    host: endpoint.Host,
    skipTlsVerify: endpoint.SkipTLSVerify === true,
    tlsDir: hasTls ? tlsDir : undefined,
  };
}
