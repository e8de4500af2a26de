import { describe, expect, it } from "vitest";
import { createDockerClient } from "../../../src/docker/docker-client.js";
import { DockerCallError } from "../../../src/docker/docker-host.js";
import { explainDockerError } from "../../../src/docker/docker-ping.js";
import { DockerodeHost } from "../../../src/docker/dockerode-host.js";
import { rejection } from "../../support/rejection.js";

const host = "tcp://10.0.0.5:2376";

function failure(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe("explainDockerError", () => {
  it("names each cause in one line", () => {
    const cases: [Error, string][] = [
      [
        failure("SELF_SIGNED_CERT_IN_CHAIN"),
        `the server certificate of ${host} is not signed by the CA in ca.pem`,
      ],
      [failure("CERT_HAS_EXPIRED"), `the server certificate of ${host} has expired`],
      [
        failure(
          "ERR_TLS_CERT_ALTNAME_INVALID",
          "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: 10.0.0.6",
        ),
        `the server certificate of ${host} is not issued for that address (Hostname/IP does not match`,
      ],
      [
        failure("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA"),
        `${host} refused our client certificate (tlsv1_alert_unknown_ca)`,
      ],
      [failure("EHOSTUNREACH"), `${host} is unreachable (EHOSTUNREACH)`],
      [failure("ECONNRESET", "socket hang up\nmore"), `${host} closed the connection without answering`],
      [
        Object.assign(new Error("(HTTP code 500) server error"), { statusCode: 500 }),
        `${host} answered HTTP 500`,
      ],
    ];
    for (const [error, start] of cases) {
      const explained = explainDockerError(error, host, 5_000, "clusterb");
      expect(explained.message.startsWith(start), explained.message).toBe(true);
      expect(explained.message).not.toContain("\n");
    }
  });

  it("says the same without the URL or the address Node names, naming the cluster instead", () => {
    const cases: [string, Error, string][] = [
      [
        "ssh://deploy@10.0.0.7",
        failure("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.7:22"),
        "nothing listens at the Docker API of clusterb (connection refused)",
      ],
      [
        host,
        failure(
          "ERR_TLS_CERT_ALTNAME_INVALID",
          "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list: 10.0.0.6",
        ),
        "the server certificate of the Docker API of clusterb is not issued for that address; use the name or IP the certificate lists",
      ],
      [
        host,
        failure("EWHATEVER", "read EWHATEVER 10.0.0.5:2376"),
        "cannot reach the Docker API of clusterb (EWHATEVER)",
      ],
    ];
    for (const [url, error, shown] of cases) {
      const explained = explainDockerError(error, url, 5_000, "clusterb");
      expect(explained.message).toContain(url);
      expect(explained.withoutAddress).toBe(shown);
    }
  });
});

describe("a call to a Docker API where nothing listens", () => {
  it("fails with Node's reason, and without the address for Slack", async () => {
    const url = "tcp://127.0.0.1:1";
    const docker = createDockerClient({ host: url }, { timeoutMs: 5_000 });
    const dockerHost = new DockerodeHost(docker, {
      name: "clusterb",
      advertise: "127.0.0.1",
      url,
      callMs: 5_000,
      pullMs: 5_000,
    });
    const error = (await rejection(dockerHost.inspectContainer("app"))) as DockerCallError;
    expect(error).toBeInstanceOf(DockerCallError);
    expect(error.message).toContain("connect ECONNREFUSED 127.0.0.1:1");
    expect(error).toMatchObject({
      reasonWithoutAddress: "nothing listens at the Docker API of clusterb (connection refused)",
      withoutAddress:
        "clusterb: inspect container (container app): nothing listens at the Docker API of clusterb (connection refused)",
    });
  });
});
