import { dirname, isAbsolute, resolve } from "node:path";
import { UserError } from "../errors.js";
import { readUserFile } from "./user-files.js";

/** What a Carina-style `docker.env` says: the Docker URL and where its ca.pem, cert.pem and key.pem are. */
export interface DockerEnvBundle {
  envFile: string;
  host: string;
  tlsVerify: boolean;
  /** Absolute; the env file's folder when the file sets no path, a relative one, or a computed one. */
  certPath: string;
}

/** Splits `KEY=value` shell assignments; values may be quoted ('…' literal, "…" with \ escapes). */
export function parseShellAssignments(text: string, file: string): Map<string, string> {
  const values = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) return;
    const [, key = "", rest = ""] = match;
    values.set(key, parseValue(rest, `${file}:${index + 1}`));
  });
  return values;
}

function parseValue(text: string, where: string): string {
  let value = "";
  let i = 0;
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      const rest = text.slice(i).trim();
      if (rest === "" || rest.startsWith("#") || rest === ";") break;
      throw new UserError("bad-env-file", `${where}: unquoted space in a value; put the value in quotes`);
    }
    if (char === "'") {
      const end = text.indexOf("'", i + 1);
      if (end === -1) throw new UserError("bad-env-file", `${where}: a ' quote is not closed`);
      value += text.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      i++;
      let closed = false;
      while (i < text.length) {
        const c = text[i] as string;
        if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          value += text[i + 1];
          i += 2;
        } else if (c === '"') {
          closed = true;
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      if (!closed) throw new UserError("bad-env-file", `${where}: a " quote is not closed`);
    } else if (char === "$" && text[i + 1] === "(") {
      const end = closingParen(text, i + 1);
      if (end === -1) throw new UserError("bad-env-file", `${where}: a $( is not closed`);
      value += text.slice(i, end + 1);
      i = end + 1;
    } else if (char === "\\" && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (char === ";") {
      break;
    } else {
      value += char;
      i++;
    }
  }
  return value;
}

/** Index of the parenthesis closing the one at `open`, skipping nested ones; -1 when unclosed. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "(") depth++;
    else if (text[i] === ")" && --depth === 0) return i;
  }
  return -1;
}

function isComputed(value: string): boolean {
  return value.includes("$(") || value.includes("`");
}

/** Interprets the text of a docker.env found at `envFile` (an absolute path). */
export function parseDockerEnv(text: string, envFile: string): DockerEnvBundle {
  const values = parseShellAssignments(text, envFile);
  const host = values.get("DOCKER_HOST")?.trim();
  if (!host) {
    throw new UserError("bad-env-file", `${envFile} sets no DOCKER_HOST; is it a Docker credentials bundle?`);
  }
  if (host.includes("$")) {
    throw new UserError("bad-env-file", `${envFile}: DOCKER_HOST uses a shell expression; write the URL out`);
  }
  const verify = (values.get("DOCKER_TLS_VERIFY") ?? "").trim().toLowerCase();
  const folder = dirname(envFile);
  const rawPath = (values.get("DOCKER_CERT_PATH") ?? "").trim();
  let certPath: string;
  if (!rawPath || isComputed(rawPath)) {
    certPath = folder;
  } else if (rawPath.includes("$") || rawPath.startsWith("~")) {
    throw new UserError(
      "bad-env-file",
      `${envFile}: DOCKER_CERT_PATH uses a shell variable; write the folder out, or remove it to mean the env file's folder`,
    );
  } else {
    certPath = isAbsolute(rawPath) ? rawPath : resolve(folder, rawPath);
  }
  return { envFile, host, tlsVerify: verify !== "" && verify !== "0" && verify !== "false", certPath };
}

/** Reads and interprets a docker.env bundle file. */
export async function readDockerEnvFile(path: string, cwd = process.cwd()): Promise<DockerEnvBundle> {
  const file = resolve(cwd, path);
  return parseDockerEnv(await readUserFile(file, "the env file"), file);
}
