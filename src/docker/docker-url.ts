import { isIP } from "node:net";
import { UserError } from "../errors.js";

/** A Docker Engine address as the Docker CLI writes it. */
export type DockerUrl =
  | { scheme: "tcp"; hostname: string; port?: number }
  | { scheme: "unix"; path: string }
  | { scheme: "ssh"; user?: string; hostname: string; port?: number };

const usage = "use tcp://HOST:PORT, unix:///path/to/docker.sock or ssh://user@host";

/**
 * The URL as an error may show it: whatever could be a password masked, from the first `:` after `//` to the last
 * `@` (a password may hold `@`, `:` or `/` of its own).
 */
function shownUrl(text: string): string {
  const start = text.indexOf("//");
  const at = text.lastIndexOf("@");
  const colon = start < 0 ? -1 : text.indexOf(":", start + 2);
  if (start < 0 || colon < 0 || colon > at) return text;
  return `${text.slice(0, colon + 1)}***${text.slice(at)}`;
}

function bad(text: string, why: string): UserError {
  return new UserError(
    "bad-host",
    `${JSON.stringify(shownUrl(text))} is not a Docker URL: ${why} (${usage})`,
  );
}

function port(text: string, url: URL): number | undefined {
  if (!url.port) return undefined;
  const value = Number(url.port);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw bad(text, "the port must be 1-65535");
  return value;
}

/** Parses `tcp://`, `unix://` and `ssh://` URLs; anything else is a UserError that shows the right forms. */
export function parseDockerUrl(text: string): DockerUrl {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw bad(text, "it cannot be parsed");
  }
  switch (url.protocol) {
    case "tcp:": {
      if (!url.hostname) throw bad(text, "no host name");
      if (url.username || url.password) throw bad(text, "tcp:// takes no user name");
      if ((url.pathname && url.pathname !== "/") || url.search || url.hash)
        throw bad(text, "tcp:// takes no path");
      return { scheme: "tcp", hostname: url.hostname.replace(/^\[|\]$/g, ""), port: port(text, url) };
    }
    case "unix:": {
      if (url.hostname)
        throw bad(text, "a socket path starts with / (three slashes: unix:///run/docker.sock)");
      if (!url.pathname || url.pathname === "/") throw bad(text, "no socket path");
      return { scheme: "unix", path: decodeURIComponent(url.pathname) };
    }
    case "ssh:": {
      if (!url.hostname) throw bad(text, "no host name");
      if (url.password) throw bad(text, "put no password in the URL; ssh:// uses your SSH agent");
      return {
        scheme: "ssh",
        user: url.username ? decodeURIComponent(url.username) : undefined,
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: port(text, url),
      };
    }
    default:
      throw bad(text, `the scheme ${url.protocol}// is not supported`);
  }
}

/** The URL text stored for a cluster: explicit port for tcp (2376 with TLS, 2375 without). */
export function formatDockerUrl(url: DockerUrl, tls = false): string {
  const host = (name: string) => (isIP(name) === 6 ? `[${name}]` : name);
  switch (url.scheme) {
    case "tcp":
      return `tcp://${host(url.hostname)}:${url.port ?? (tls ? 2376 : 2375)}`;
    case "unix":
      return `unix://${url.path}`;
    case "ssh":
      return `ssh://${url.user ? `${encodeURIComponent(url.user)}@` : ""}${host(url.hostname)}${url.port ? `:${url.port}` : ""}`;
  }
}

/**
 * True for `localhost` and literal loopback addresses only. Any other name, `*.localhost` included, is looked up
 * again at every connection, and a lookup that gives loopback today may not tomorrow, so only TLS makes it safe.
 */
export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (name === "localhost") return true;
  if (isIP(name) === 4) return name.startsWith("127.");
  if (isIP(name) === 6) {
    return (
      name === "::1" ||
      name === "0:0:0:0:0:0:0:1" ||
      /^::ffff:127\./.test(name) ||
      /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(name)
    );
  }
  return false;
}
