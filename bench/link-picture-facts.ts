import type { LinkFacts } from "../src/render/link-facts.js";

/** The seed tutorial's link, healthy: app on clustera reached by web on clusterb as helloapp, over mTLS. */
export function healthyLink(): LinkFacts {
  return {
    caption: "status",
    id: "3f9a2c1b7e40",
    alias: "helloapp",
    protection: "mtls",
    admits: "targets",
    source: { cluster: "clustera", address: "10.213.0.2" },
    target: { cluster: "clusterb", address: "10.213.0.3" },
    container: { name: "app", state: "running", ports: [5000] },
    sourceAmbassador: { name: "ambassador-3f9a2c1b7e40-source", state: "running", detail: "tls" },
    targetAmbassador: { name: "ambassador-3f9a2c1b7e40-target", state: "running", detail: "tls" },
    web: { name: "web", state: "running", detail: "hello-web" },
    connections: [{ port: 5000, address: "10.213.0.2:5000" }],
    webUrls: ["http://10.213.0.3:32768"],
    health: { state: "healthy", problems: [] },
  };
}

/** A plaintext link without a consumer whose target ambassador is gone. */
export function brokenPlaintextLink(): LinkFacts {
  const { web: _web, webUrls: _urls, ...rest } = healthyLink();
  return {
    ...rest,
    webUrls: [],
    protection: "plaintext",
    sourceAmbassador: { ...rest.sourceAmbassador, detail: "kernel" },
    targetAmbassador: { ...rest.targetAmbassador, state: "missing", detail: "kernel" },
    health: {
      state: "broken",
      problems: ["target ambassador ambassador-3f9a2c1b7e40-target on clusterb: missing"],
    },
  };
}

/** The most a picture holds: eight ports, a long problem list, long names. */
export function busyLink(): LinkFacts {
  const ports = [5000, 5001, 5002, 5003, 6379, 8080, 8443, 9090];
  const broken = brokenPlaintextLink();
  return {
    ...healthyLink(),
    container: { name: "a-container-with-a-rather-long-name-indeed", state: "running", ports },
    connections: ports.map((port) => ({ port, address: `10.213.0.2:${port}` })),
    health: {
      state: "broken",
      problems: [
        ...broken.health.problems,
        "path: the source ambassador refused the TLS handshake",
        "consumer web on clusterb: stopped",
        "a fourth",
        "a fifth",
      ],
    },
  };
}
