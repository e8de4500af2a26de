import { describe, expect, it } from "vitest";
import { explainDockerError } from "../../../src/docker/docker-ping.js";

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
      const explained = explainDockerError(error, host, 5_000);
      expect(explained.message.startsWith(start), explained.message).toBe(true);
      expect(explained.message).not.toContain("\n");
    }
  });
});
