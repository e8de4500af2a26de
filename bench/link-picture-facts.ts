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
    container: { name: "app", state: "running", ports: [5000] },
    sourceAmbassador: { name: "ambassador-3f9a2c1b7e40-source", state: "running", detail: "tls" },
    targets: [
      {
        cluster: "clusterb",
        address: "10.213.0.3",
        ambassador: { name: "ambassador-3f9a2c1b7e40-target", state: "running", detail: "tls" },
        web: { name: "web", state: "running", detail: "hello-web" },
        webUrls: ["http://10.213.0.3:32768"],
      },
    ],
    connections: [{ port: 5000, address: "10.213.0.2:5000" }],
    health: { state: "healthy", problems: [] },
  };
}

/** A plaintext link without a consumer whose target ambassador is gone. */
export function brokenPlaintextLink(): LinkFacts {
  const healthy = healthyLink();
  return {
    ...healthy,
    protection: "plaintext",
    sourceAmbassador: { ...healthy.sourceAmbassador, detail: "kernel" },
    targets: [
      {
        cluster: "clusterb",
        address: "10.213.0.3",
        ambassador: { name: "ambassador-3f9a2c1b7e40-target", state: "missing", detail: "kernel" },
        webUrls: [],
      },
    ],
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

/** The healthy link fanned out to a second target, clusterc, with a consumer of its own. */
export function fannedOutLink(): LinkFacts {
  const healthy = healthyLink();
  return {
    ...healthy,
    targets: [
      ...healthy.targets,
      {
        cluster: "clusterc",
        address: "10.213.0.4",
        ambassador: { name: "ambassador-3f9a2c1b7e40-target", state: "running", detail: "tls" },
        web: { name: "web", state: "stopped", detail: "hello-web" },
        webUrls: ["http://10.213.0.4:32771"],
      },
    ],
  };
}
