import { describe, expect, it } from "vitest";
import { formatDockerUrl, isLoopback, parseDockerUrl } from "../../../src/docker/docker-url.js";

describe("parseDockerUrl", () => {
  it("reads tcp://, unix:// and ssh:// URLs", () => {
    expect(parseDockerUrl("tcp://10.0.0.5:2376")).toEqual({
      scheme: "tcp",
      hostname: "10.0.0.5",
      port: 2376,
    });
    expect(parseDockerUrl("tcp://[::1]:2375")).toEqual({ scheme: "tcp", hostname: "::1", port: 2375 });
    expect(parseDockerUrl("unix:///var/run/docker.sock")).toEqual({
      scheme: "unix",
      path: "/var/run/docker.sock",
    });
    expect(parseDockerUrl("ssh://deploy@host.example:2222")).toEqual({
      scheme: "ssh",
      user: "deploy",
      hostname: "host.example",
      port: 2222,
    });
  });

  it("refuses other schemes and malformed URLs with the accepted forms", () => {
    expect(() => parseDockerUrl("http://10.0.0.5:2375")).toThrow(
      '"http://10.0.0.5:2375" is not a Docker URL: the scheme http:// is not supported (use tcp://HOST:PORT, unix:///path/to/docker.sock or ssh://user@host)',
    );
    expect(() => parseDockerUrl("10.0.0.5:2376")).toThrow("is not a Docker URL");
    expect(() => parseDockerUrl("unix://var/run/docker.sock")).toThrow("three slashes");
    expect(() => parseDockerUrl("tcp://10.0.0.5:2376/v1.41")).toThrow("tcp:// takes no path");
    expect(() => parseDockerUrl("ssh://me:secret@host")).toThrow("put no password in the URL");
  });

  it("never shows a password written in the URL it refuses", () => {
    for (const text of [
      "tcp://admin:S3cretPW@10.0.0.5:2376",
      "ssh://me:S3cretPW@host",
      "http://a:S3cretPW@h",
    ]) {
      let said = "";
      try {
        parseDockerUrl(text);
      } catch (error) {
        said = (error as Error).message;
      }
      expect(said).toMatch(/is not a Docker URL/);
      expect(said).not.toContain("S3cretPW");
      expect(said).toContain(":***@");
    }
  });
});

describe("formatDockerUrl", () => {
  it("makes the default port explicit: 2376 with TLS, 2375 without", () => {
    expect(formatDockerUrl(parseDockerUrl("tcp://h"), true)).toBe("tcp://h:2376");
    expect(formatDockerUrl(parseDockerUrl("tcp://h"), false)).toBe("tcp://h:2375");
    expect(formatDockerUrl(parseDockerUrl("tcp://[::1]:1"))).toBe("tcp://[::1]:1");
    expect(formatDockerUrl(parseDockerUrl("ssh://u@h"))).toBe("ssh://u@h");
  });
});

describe("isLoopback", () => {
  it("knows loopback names and addresses", () => {
    for (const name of ["localhost", "127.0.0.1", "127.8.9.10", "::1", "[::1]", "[::ffff:7f00:1]"])
      expect(isLoopback(name)).toBe(true);
    for (const name of ["10.0.0.5", "localhost.example.com", "::", "0.0.0.0", "128.0.0.1", "::ffff:a00:5"]) {
      expect(isLoopback(name)).toBe(false);
    }
  });

  it("does not take a *.localhost name for loopback: it is looked up like any other name", () => {
    for (const name of ["docker.localhost", "evil.localhost", "localhost."])
      expect(isLoopback(name)).toBe(false);
  });
});
