import type Docker from "dockerode";
import { isUserError, UserError } from "../errors.js";

/** What a Docker Engine said about itself, and how long it took. */
export interface DockerPing {
  version: string;
  apiVersion: string;
  rttMs: number;
}

const wrongCa = new Set([
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "CERT_SIGNATURE_FAILURE",
  "CERT_UNTRUSTED",
]);

class DeadlineError extends Error {}

function firstLine(text: string): string {
  return (text.split("\n")[0] ?? "").trim();
}

/**
 * How a failed call is told: its code, and its line given where it went (the URL, or the cluster's name) and
 * whether the error's own text may be quoted (Node's text names the address and port it tried).
 */
type Explanation = [code: string, say: (where: string, quote: boolean) => string];

function explain(error: unknown, timeoutMs: number): Explanation {
  const seconds = `${+(timeoutMs / 1000).toFixed(1)} s`;
  if (error instanceof DeadlineError || (error as Error)?.name === "AbortError") {
    return ["timeout", (where) => `${where} did not answer within ${seconds}`];
  }
  const err = error as NodeJS.ErrnoException & { statusCode?: number; reason?: string };
  const code = err?.code ?? "";
  const message = firstLine(err?.message ?? String(error));
  if (wrongCa.has(code)) {
    return [
      "tls-wrong-ca",
      (where) =>
        `the server certificate of ${where} is not signed by the CA in ca.pem (${code}): wrong ca.pem for this host?`,
    ];
  }
  if (code === "CERT_HAS_EXPIRED") {
    return [
      "tls-server-expired",
      (where) => `the server certificate of ${where} has expired; renew it on the host`,
    ];
  }
  if (code === "CERT_NOT_YET_VALID") {
    return [
      "tls-server-not-yet-valid",
      (where) => `the server certificate of ${where} is not valid yet; check clocks`,
    ];
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return [
      "tls-wrong-host",
      (where, quote) =>
        `the server certificate of ${where} is not issued for that address${quote ? ` (${message})` : ""}; use the name or IP the certificate lists`,
    ];
  }
  if (/^ERR_SSL_(SSLV3_|TLSV1_)?ALERT_/.test(code)) {
    return [
      "tls-client-refused",
      (where) =>
        `${where} refused our client certificate (${code.replace(/^ERR_SSL_/, "").toLowerCase()}): cert.pem is not one it trusts`,
    ];
  }
  if (code === "EPROTO" || /wrong version number|packet length too long/.test(message)) {
    return [
      "not-docker",
      (where) => `${where} does not speak TLS on that port: it is not a TLS Docker Engine API`,
    ];
  }
  if (code === "ECONNREFUSED")
    return ["unreachable", (where) => `nothing listens at ${where} (connection refused)`];
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EHOSTDOWN") {
    return ["unreachable", (where) => `${where} is unreachable (${code}): check the address and the network`];
  }
  if (code === "ETIMEDOUT") return ["timeout", (where) => `${where} did not answer (connection timed out)`];
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return ["unreachable", (where) => `the host name in ${where} does not resolve (${code})`];
  }
  if (code === "ENOENT") return ["unreachable", (where) => `there is no socket at ${where}`];
  if (code === "EACCES")
    return ["unreachable", (where) => `permission denied on ${where}: run as a user allowed to use it`];
  if (code === "ECONNRESET" || /socket hang up/.test(message)) {
    return [
      "not-docker",
      (where) => `${where} closed the connection without answering: is it a Docker Engine?`,
    ];
  }
  if (typeof err?.statusCode === "number") {
    const status = err.statusCode;
    return [
      "not-docker",
      (where) =>
        `${where} answered HTTP ${status} to GET /version: it is not a Docker Engine API (or a broken one)`,
    ];
  }
  if (/authentication/i.test(message)) {
    return [
      "ssh-auth",
      (where, quote) =>
        `SSH login to ${where} failed${quote ? ` (${message})` : ""}; check your SSH agent and user`,
    ];
  }
  return [
    "unreachable",
    (where, quote) => `cannot reach ${where}${quote ? `: ${message}` : ""}${code ? ` (${code})` : ""}`,
  ];
}

/**
 * Turns a failed call to a Docker Engine into a one-line UserError that names the cause and the host's URL; its
 * `withoutAddress` names the cluster instead, and leaves out the error's own text, which names the address.
 */
export function explainDockerError(
  error: unknown,
  host: string,
  timeoutMs: number,
  cluster: string,
): UserError {
  if (isUserError(error)) return error;
  const [code, say] = explain(error, timeoutMs);
  return new UserError(code, say(host, true), say(`the Docker API of ${cluster}`, false));
}

/** Asks the Engine for its version within `timeoutMs`; a failure is a UserError naming the cause. */
export async function pingDocker(
  docker: Docker,
  host: string,
  cluster: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<DockerPing> {
  const started = performance.now();
  const abort = new AbortController();
  signal?.addEventListener("abort", () => abort.abort(), { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      abort.abort();
      reject(new DeadlineError());
    }, timeoutMs);
  });
  try {
    const call = (docker.version as (opts: { abortSignal: AbortSignal }) => Promise<unknown>).call(docker, {
      abortSignal: abort.signal,
    });
    call.catch(() => undefined);
    const answer = (await Promise.race([call, deadline])) as
      | { Version?: unknown; ApiVersion?: unknown }
      | undefined;
    const rttMs = performance.now() - started;
    if (
      !answer ||
      typeof answer !== "object" ||
      Buffer.isBuffer(answer) ||
      typeof answer.ApiVersion !== "string" ||
      typeof answer.Version !== "string"
    ) {
      const says = (where: string) => `${where} answered GET /version, but not as a Docker Engine does`;
      throw new UserError("not-docker", says(host), says(`the Docker API of ${cluster}`));
    }
    return { version: answer.Version, apiVersion: answer.ApiVersion, rttMs };
  } catch (error) {
    throw explainDockerError(error, host, timeoutMs, cluster);
  } finally {
    clearTimeout(timer);
  }
}
