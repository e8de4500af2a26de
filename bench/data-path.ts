import { readFile } from "node:fs/promises";
import type Docker from "dockerode";
import { benchLabel, execIn, lentNode, step } from "./bench-docker.js";
import type { BenchHost, BenchLab } from "./bench-lab.js";
import type { EngineLinks } from "./engine-links.js";
import {
  type DataPathEntry,
  type DataPathName,
  dataPathNames,
  type OurMode,
  ourModes,
} from "./results-schema.js";
import { percentile, round, summarize } from "./stats.js";

const streamPort = 6000;
const httpPort = 5000;
const seedImage = "svendowideit/ambassador:latest";
const toolboxImage = "ambassador-lab/toolbox:latest";
const probeSource = readFile(new URL("./probe.mjs", import.meta.url), "utf8");

/** An ambassador of one path, and which host it runs on. */
export interface BenchAmbassador {
  path: DataPathName;
  side: "source" | "target";
  host: BenchHost;
  container: Docker.Container;
}

/** Where the client sends a path's traffic: the target ambassador, or the sink's own published ports. */
export interface PathEndpoint {
  path: DataPathName;
  address: string;
  streamPort: number;
  httpPort: number;
}

/**
 * Every container of one run: on host A a sink; per path two ambassadors (the seed's started by hand, ours by
 * the engine's `link`); on host B one client on every path's network.
 */
export interface DataPathTopology {
  runId: string;
  lab: BenchLab;
  client: Docker.Container;
  endpoints: PathEndpoint[];
  ambassadors: BenchAmbassador[];
  node: string;
}

/** How much traffic each repetition sends. */
export interface DataPathSettings {
  repetitions: number;
  connections: number;
  streamBytes: number;
}

type Progress = (line: string) => void;

function labels(runId: string, role: string): Record<string, string> {
  return { [benchLabel]: runId, "ambassador.bench.role": role };
}

/**
 * Published on the host's own address, as the engine publishes its ambassadors: Docker picks free ports per
 * address, so a binding on every address could be handed the same port as one of theirs.
 */
function portSpec(publishOn?: string) {
  const ports = [`${streamPort}/tcp`, `${httpPort}/tcp`];
  const binding = [{ HostIp: publishOn, HostPort: "" }];
  return {
    ExposedPorts: Object.fromEntries(ports.map((port) => [port, {}])),
    PortBindings: publishOn ? Object.fromEntries(ports.map((port) => [port, binding])) : undefined,
  };
}

async function startContainer(
  host: BenchHost,
  options: Docker.ContainerCreateOptions,
): Promise<Docker.Container> {
  return step(host, `starting ${options.name}`, async () => {
    const container = await host.docker.createContainer(options);
    await container.start();
    return container;
  });
}

async function publishedPorts(host: BenchHost, container: Docker.Container): Promise<Record<number, number>> {
  const info = await step(host, `reading the ports of ${container.id.slice(0, 12)}`, () =>
    container.inspect(),
  );
  const result: Record<number, number> = {};
  for (const port of [streamPort, httpPort]) {
    const hostPort = Number(info.NetworkSettings.Ports[`${port}/tcp`]?.[0]?.HostPort);
    if (!hostPort) throw new Error(`${info.Name} on ${host.name} publishes no host port for ${port}/tcp`);
    result[port] = hostPort;
  }
  return result;
}

async function addressOn(host: BenchHost, container: Docker.Container, network: string): Promise<string> {
  const info = await step(host, `reading the address of ${container.id.slice(0, 12)}`, () =>
    container.inspect(),
  );
  const address = info.NetworkSettings.Networks[network]?.IPAddress;
  if (!address) throw new Error(`${info.Name} on ${host.name} has no address on ${network}`);
  return address;
}

/** The seed tutorial's chain, started by hand: its ambassador beside the sink, and one on host B as `sink`. */
async function startSeedChain(
  lab: BenchLab,
  prefix: string,
  runId: string,
  sinkName: string,
  sinkNetwork: string,
  targetNetwork: string,
): Promise<{ ambassadors: BenchAmbassador[]; address: string }> {
  const { a, b } = lab;
  const source = await startContainer(a, {
    name: `${prefix}-socat-chain-source`,
    Image: seedImage,
    Env: [
      `SINK_PORT_${streamPort}_TCP=tcp://${sinkName}:${streamPort}`,
      `SINK_PORT_${httpPort}_TCP=tcp://${sinkName}:${httpPort}`,
    ],
    Labels: labels(runId, "source"),
    ExposedPorts: portSpec(a.ip).ExposedPorts,
    HostConfig: { NetworkMode: sinkNetwork, PortBindings: portSpec(a.ip).PortBindings },
  });
  const published = await publishedPorts(a, source);
  const target = await startContainer(b, {
    name: `${prefix}-socat-chain-target`,
    Image: seedImage,
    Env: [
      `SINK_PORT_${streamPort}_TCP=tcp://${a.ip}:${published[streamPort]}`,
      `SINK_PORT_${httpPort}_TCP=tcp://${a.ip}:${published[httpPort]}`,
    ],
    Labels: labels(runId, "target"),
    ExposedPorts: portSpec().ExposedPorts,
    HostConfig: { NetworkMode: targetNetwork },
    NetworkingConfig: { EndpointsConfig: { [targetNetwork]: { Aliases: ["sink"] } } },
  });
  return {
    ambassadors: [
      { path: "socat-chain", side: "source", host: a, container: source },
      { path: "socat-chain", side: "target", host: b, container: target },
    ],
    // By address, so the embedded DNS server's lookup stays out of every connection's time.
    address: await addressOn(b, target, targetNetwork),
  };
}

/**
 * On host A a sink on a network of its own, publishing its ports for the direct path; the seed's chain to it,
 * started by hand; and, for each of our modes (`modes`, all by default), a link the engine's `link` makes of a second, identical sink to host B (`tls` by
 * default, `kernel` and `relay` as `--plaintext` links). On host B one client joins every path's network as a
 * consumer would, and finds each link's target ambassador by the link's alias.
 */
export async function setUpDataPaths(
  lab: BenchLab,
  runId: string,
  links: EngineLinks,
  progress: Progress,
  modes: readonly OurMode[] = ourModes,
): Promise<DataPathTopology> {
  const { a, b } = lab;
  const lent = await lentNode();
  const probe = await probeSource;
  const prefix = `bench-${runId}`;
  progress(`starting the sink, ambassadors and client (run ${runId})`);

  const sinkNetwork = `${prefix}-a`;
  const clientNetwork = `${prefix}-client`;
  const chainNetwork = `${prefix}-socat-chain`;
  const sinkName = `${prefix}-sink`;
  const linkedSinkName = `${prefix}-linked-sink`;
  const startSink = (name: string, publish: boolean) =>
    startContainer(a, {
      name,
      Image: toolboxImage,
      Cmd: [lent.node, "--input-type=module", "-e", probe, "sink", String(streamPort), String(httpPort)],
      Env: lent.env,
      Labels: labels(runId, "sink"),
      ExposedPorts: portSpec(a.ip).ExposedPorts,
      HostConfig: {
        NetworkMode: sinkNetwork,
        Binds: lent.binds,
        PortBindings: publish ? portSpec(a.ip).PortBindings : undefined,
      },
    });
  // Two identical sinks: `link` joins its sink to each link's network, and Docker may then move that sink's
  // published ports to one of those networks while its replies leave by another, which breaks the direct path.
  const sinkSide = async () => {
    await step(a, `creating network ${sinkNetwork}`, () =>
      a.docker.createNetwork({ Name: sinkNetwork, Labels: labels(runId, "network") }),
    );
    return (await Promise.all([startSink(sinkName, true), startSink(linkedSinkName, false)]))[0];
  };
  const clientSide = async () => {
    for (const network of [clientNetwork, chainNetwork]) {
      await step(b, `creating network ${network}`, () =>
        b.docker.createNetwork({ Name: network, Labels: labels(runId, "network") }),
      );
    }
    const container = await step(b, "creating the client", () =>
      b.docker.createContainer({
        name: `${prefix}-client`,
        Image: toolboxImage,
        Env: lent.env,
        Labels: labels(runId, "client"),
        HostConfig: { NetworkMode: clientNetwork, Binds: lent.binds },
      }),
    );
    await step(b, `connecting the client to ${chainNetwork}`, () =>
      b.docker.getNetwork(chainNetwork).connect({ Container: container.id }),
    );
    await step(b, "starting the client", () => container.start());
    return container;
  };
  const [sink, client] = await Promise.all([sinkSide(), clientSide()]);
  const sinkPorts = await publishedPorts(a, sink);
  const chain = await startSeedChain(lab, prefix, runId, sinkName, sinkNetwork, chainNetwork);
  const endpoints: PathEndpoint[] = [
    {
      path: "direct",
      address: a.ip,
      streamPort: sinkPorts[streamPort] ?? 0,
      httpPort: sinkPorts[httpPort] ?? 0,
    },
    { path: "socat-chain", address: chain.address, streamPort, httpPort },
  ];
  const ambassadors = [...chain.ambassadors];
  const topology: DataPathTopology = { runId, lab, client, endpoints, ambassadors, node: lent.node };

  // One at a time: each source ambassador takes the sink's port numbers on host A when they are free.
  for (const path of modes) {
    const link = await links.make(path, linkedSinkName, [httpPort, streamPort]);
    progress(
      `linked the sink for ${path}: ${link.result.link.id} (${link.result.source.mode} on both hosts)`,
    );
    ambassadors.push(
      { path, side: "source", host: a, container: a.docker.getContainer(link.result.source.id) },
      { path, side: "target", host: b, container: b.docker.getContainer(link.result.target.id) },
    );
    await step(b, `connecting the client to ${link.targetNetwork}`, () =>
      b.docker.getNetwork(link.targetNetwork).connect({ Container: client.id }),
    );
    // Looked up once, as the consumer would, so the embedded DNS server stays out of every connection's time.
    const { address } = (await runProbe(topology, ["resolve", link.alias])) as { address: string };
    const expected = await addressOn(b, b.docker.getContainer(link.result.target.id), link.targetNetwork);
    if (address !== expected) {
      throw new Error(
        `${link.alias} resolves to ${address} on ${link.targetNetwork}, not the target ambassador's ${expected}`,
      );
    }
    endpoints.push({ path, address, streamPort, httpPort });
  }
  progress("containers started; waiting for every path to answer");

  await Promise.all(
    topology.endpoints.map(async (endpoint) => {
      await runProbe(topology, ["ready", endpoint.address, String(endpoint.httpPort), "20000"]);
    }),
  );
  progress("every path answers");
  return topology;
}

async function runProbe(topology: DataPathTopology, args: string[], timeoutMs = 300_000): Promise<unknown> {
  const probe = await probeSource;
  const command = [topology.node, "--input-type=module", "-e", probe, ...args];
  const result = await execIn(topology.lab.b, topology.client, command, timeoutMs);
  if (result.exitCode !== 0) {
    throw new Error(`probe ${args.join(" ")} failed: ${(result.stderr || result.stdout).trim()}`);
  }
  return JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "null");
}

/** What mode each of our ambassadors says it runs ("socat" for the seed's image). */
export async function ambassadorModes(topology: DataPathTopology): Promise<Map<DataPathName, string>> {
  const modes = new Map<DataPathName, string>([["direct", ""]]);
  for (const ambassador of topology.ambassadors) {
    if (ambassador.path === "socat-chain") {
      modes.set("socat-chain", "socat");
      continue;
    }
    const result = await execIn(
      ambassador.host,
      ambassador.container,
      ["cat", "/run/ambassador.mode"],
      10_000,
    );
    const mode = result.stdout.trim();
    if (mode !== ambassador.path) {
      throw new Error(
        `the ${ambassador.side} ambassador of ${ambassador.path} runs in mode '${mode || "unknown"}'`,
      );
    }
    modes.set(ambassador.path, mode);
  }
  return modes;
}

export async function streamSeconds(topology: DataPathTopology, endpoint: PathEndpoint, bytes: number) {
  const args = ["stream", endpoint.address, String(endpoint.streamPort), String(bytes)];
  const result = (await runProbe(topology, args)) as { seconds: number };
  return result.seconds;
}

/** `count` connections through each path, the paths taken in turn in a new order each round; samples in the order of `endpoints`. */
async function connectSamples(topology: DataPathTopology, endpoints: PathEndpoint[], count: number) {
  const targets = endpoints.map((endpoint) => `${endpoint.address}:${endpoint.httpPort}`);
  const result = (await runProbe(topology, ["connect", String(count), ...targets])) as {
    samplesMs: number[][];
  };
  return result.samplesMs;
}

/** Load for the memory figure: `count` streams held open at once through every path for `ms`. */
export async function holdStreams(topology: DataPathTopology, count: number, ms: number) {
  const targets = topology.endpoints.map((endpoint) => `${endpoint.address}:${endpoint.streamPort}`);
  await runProbe(topology, ["hold", String(count), String(ms), ...targets]);
}

/** Bytes for one stream so that the direct path takes about `seconds`, rounded to 64 MiB. */
export async function calibrateStreamBytes(topology: DataPathTopology, seconds: number, progress: Progress) {
  const direct = topology.endpoints.find((endpoint) => endpoint.path === "direct");
  if (!direct) throw new Error("no direct path to calibrate with");
  const trial = 256 * 1024 * 1024;
  await streamSeconds(topology, direct, trial);
  const rate = trial / (await streamSeconds(topology, direct, trial));
  const step64 = 64 * 1024 * 1024;
  const bytes = Math.min(
    8192 * 1024 * 1024,
    Math.max(4 * step64, Math.round((rate * seconds) / step64) * step64),
  );
  progress(`direct stream: ${(rate / 1e6).toFixed(0)} MB/s, so each stream sends ${bytes / 1024 / 1024} MiB`);
  return bytes;
}

function pad(path: string): string {
  return path.padEnd(Math.max(...dataPathNames.map((name) => name.length)));
}

function rotated<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}

/**
 * Measures every path in the same run, interleaved: each repetition streams once through every path, then
 * opens `connections` connections through every path, taking the paths in turn (see probe.mjs); the streams'
 * order rotates between repetitions.
 */
export async function measureDataPaths(
  topology: DataPathTopology,
  settings: DataPathSettings,
  progress: Progress,
): Promise<DataPathEntry[]> {
  const modes = await ambassadorModes(topology);
  const throughput = new Map<DataPathName, number[]>(dataPathNames.map((path) => [path, []]));
  const connectMedians = new Map<DataPathName, number[]>(dataPathNames.map((path) => [path, []]));
  const connectAll = new Map<DataPathName, number[]>(dataPathNames.map((path) => [path, []]));
  for (let rep = 0; rep < settings.repetitions; rep++) {
    const order = rotated(topology.endpoints, rep);
    for (const endpoint of order) {
      const mbps =
        settings.streamBytes / 1e6 / (await streamSeconds(topology, endpoint, settings.streamBytes));
      throughput.get(endpoint.path)?.push(mbps);
      progress(
        `repetition ${rep + 1}/${settings.repetitions} ${pad(endpoint.path)} ${mbps.toFixed(0).padStart(5)} MB/s`,
      );
    }
    const samples = await connectSamples(topology, order, settings.connections);
    order.forEach((endpoint, index) => {
      const pathSamples = samples[index] ?? [];
      connectMedians.get(endpoint.path)?.push(summarize(pathSamples).median);
      connectAll.get(endpoint.path)?.push(...pathSamples);
    });
    const medians = order.map(
      (endpoint) => `${endpoint.path} ${connectMedians.get(endpoint.path)?.at(-1)?.toFixed(3)}`,
    );
    progress(
      `repetition ${rep + 1}/${settings.repetitions} connect ms (median of ${settings.connections}): ${medians.join(", ")}`,
    );
  }

  const measured = dataPathNames.filter((path) =>
    topology.endpoints.some((endpoint) => endpoint.path === path),
  );
  const summaries = measured.map((path) => ({
    path,
    throughput: summarize(throughput.get(path) ?? []),
    connect: summarize(connectMedians.get(path) ?? []),
  }));
  const direct = summaries.find((summary) => summary.path === "direct");
  const chain = summaries.find((summary) => summary.path === "socat-chain");
  if (!direct || !chain) throw new Error("the direct and socat-chain paths are both needed for ratios");
  return summaries.map(({ path, throughput: t, connect: c }) => ({
    path,
    throughputMBps: round(t.median, 1),
    connectMs: round(c.median, 3),
    ratioToDirect: round(t.median / direct.throughput.median, 3),
    ratioToSocatChain: round(t.median / chain.throughput.median, 3),
    connectRatioToDirect: round(c.median / direct.connect.median, 3),
    connectRatioToSocatChain: round(c.median / chain.connect.median, 3),
    throughputSpreadMBps: { min: round(t.min, 1), max: round(t.max, 1) },
    connectSpreadMs: { min: round(c.min, 3), max: round(c.max, 3) },
    connectP90Ms: round(percentile(connectAll.get(path) ?? [], 90), 3),
    throughputRunsMBps: (throughput.get(path) ?? []).map((value) => round(value, 1)),
    connectRunsMs: (connectMedians.get(path) ?? []).map((value) => round(value, 3)),
    ambassadorMode: path === "direct" ? null : ((modes.get(path) ?? null) as DataPathEntry["ambassadorMode"]),
  }));
}
