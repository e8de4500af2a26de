import type Docker from "dockerode";
import { UserError } from "../errors.js";

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

/** Turns a failed call to a Docker Engine into a one-line UserError that names the cause. */
export function explainDockerError(error: unknown, host: string, timeoutMs: number): UserError {
  if (error instanceof UserError) return error;
  const seconds = `${+(timeoutMs / 1000).toFixed(1)} s`;
  if (error instanceof DeadlineError || (error as Error)?.name === "AbortError") {
    return new UserError("timeout", `${host} did not answer within ${seconds}`);
  }
  const err = error as NodeJS.ErrnoException & { statusCode?: number; reason?: string };
  const code = err?.code ?? "";
  const message = firstLine(err?.message ?? String(error));
  if (wrongCa.has(code)) {
    return new UserError(
      "tls-wrong-ca",
      `the server certificate of ${host} is not signed by the CA in ca.pem (${code}): wrong ca.pem for this host?`,
    );
  }
  if (code === "CERT_HAS_EXPIRED") {
    return new UserError(
      "tls-server-expired",
      `the server certificate of ${host} has expired; renew it on the host`,
    );
  }
  if (code === "CERT_NOT_YET_VALID") {
    return new UserError(
      "tls-server-not-yet-valid",
      `the server certificate of ${host} is not valid yet; check clocks`,
    );
  }
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return new UserError(
      "tls-wrong-host",
      `the server certificate of ${host} is not issued for that address (${message}); use the name or IP the certificate lists`,
    );
  }
  if (/^ERR_SSL_(SSLV3_|TLSV1_)?ALERT_/.test(code)) {
    return new UserError(
      "tls-client-refused",
      `${host} refused our client certificate (${code.replace(/^ERR_SSL_/, "").toLowerCase()}): cert.pem is not one it trusts`,
    );
  }
  if (code === "EPROTO" || /wrong version number|packet length too long/.test(message)) {
    return new UserError(
      "not-docker",
      `${host} does not speak TLS on that port: it is not a TLS Docker Engine API`,
    );
  }
  if (code === "ECONNREFUSED")
    return new UserError("unreachable", `nothing listens at ${host} (connection refused)`);
  if (code === "EHOSTUNREACH" || code === "ENETUNREACH" || code === "EHOSTDOWN") {
    return new UserError(
      "unreachable",
      `${host} is unreachable (${code}): check the address and the network`,
    );
  }
  if (code === "ETIMEDOUT") return new UserError("timeout", `${host} did not answer (connection timed out)`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return new UserError("unreachable", `the host name in ${host} does not resolve (${code})`);
  }
  if (code === "ENOENT") return new UserError("unreachable", `there is no socket at ${host}`);
  if (code === "EACCES")
    return new UserError("unreachable", `permission denied on ${host}: run as a user allowed to use it`);
  if (code === "ECONNRESET" || /socket hang up/.test(message)) {
    return new UserError(
      "not-docker",
      `${host} closed the connection without answering: is it a Docker Engine?`,
    );
  }
  if (typeof err?.statusCode === "number") {
    return new UserError(
      "not-docker",
      `${host} answered HTTP ${err.statusCode} to GET /version: it is not a Docker Engine API (or a broken one)`,
    );
  }
  if (/authentication/i.test(message)) {
    return new UserError(
      "ssh-auth",
      `SSH login to ${host} failed (${message}); check your SSH agent and user`,
    );
  }
  return new UserError("unreachable", `cannot reach ${host}: ${message}${code ? ` (${code})` : ""}`);
}

/** Asks the Engine for its version within `timeoutMs`; a failure is a UserError naming the cause. */
export async function pingDocker(
  docker: Docker,
  host: string,
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
      throw new UserError("not-docker", `${host} answered GET /version, but not as a Docker Engine does`);
    }
    return { version: answer.Version, apiVersion: answer.ApiVersion, rttMs };
  } catch (error) {
    throw explainDockerError(error, host, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
