import { readFile } from "node:fs/promises";
import type Docker from "dockerode";
import { benchLabel, execIn, lentNode, step } from "./bench-docker.js";
import type { BenchHost, BenchLab } from "./bench-lab.js";
import { type DataPathEntry, type DataPathName, dataPathNames } from "./results-schema.js";
import { percentile, round, summarize } from "./stats.js";

const streamPort = 6000;
const httpPort = 5000;
const ourImage = "ambassador-bot/ambassador:latest";
const seedImage = "svendowideit/ambassador:latest";
const toolboxImage = "ambassador-lab/toolbox:latest";
const probeSource = readFile(new URL("./probe.mjs", import.meta.url), "utf8");

/** An ambassador the benchmark started, and which host it runs on. */
export interface BenchAmbassador {
  path: DataPathName;
  side: "source" | "target";
  host: BenchHost;
  container: Docker.Container;
}

/** Where a path's client sends its traffic: the target ambassador, or the sink's own published ports. */
export interface PathEndpoint {
  path: DataPathName;
  client: Docker.Container;
  address: string;
  streamPort: number;
  httpPort: number;
}

/** Every container of one run: a sink on host A, and per path its ambassadors and a client on host B. */
export interface DataPathTopology {
  runId: string;
  lab: BenchLab;
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

function portSpec(published: boolean) {
  const ports = [`${streamPort}/tcp`, `${httpPort}/tcp`];
  return {
    ExposedPorts: Object.fromEntries(ports.map((port) => [port, {}])),
    PortBindings: published ? Object.fromEntries(ports.map((port) => [port, [{ HostPort: "" }]])) : undefined,
  };
}

function ambassadorConfig(path: Exclude<DataPathName, "direct">) {
  if (path === "socat-chain") return { Image: seedImage, Env: [], CapAdd: undefined, Sysctls: undefined };
  return {
    Image: ourImage,
    Env: [`AMBASSADOR_MODE=${path}`],
    CapAdd: path === "kernel" ? ["NET_ADMIN"] : undefined,
    Sysctls: path === "kernel" ? { "net.ipv4.ip_forward": "1" } : undefined,
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

/**
 * Builds what the link engine builds, once per path: on host A a sink on a user-defined network and a source
 * ambassador that publishes its ports; on host B a per-link network where the target ambassador carries the
 * alias `sink`, and a client on it. The direct path's client reaches the sink's own published ports.
 */
export async function setUpDataPaths(
  lab: BenchLab,
  runId: string,
  progress: Progress,
): Promise<DataPathTopology> {
  const { a, b } = lab;
  const lent = await lentNode();
  const probe = await probeSource;
  const prefix = `bench-${runId}`;
  const topology: DataPathTopology = { runId, lab, endpoints: [], ambassadors: [], node: lent.node };
  const relayed = dataPathNames.filter((path): path is Exclude<DataPathName, "direct"> => path !== "direct");
  progress(`starting the sink, ambassadors and clients (run ${runId})`);

  const hostA = async () => {
    const network = `${prefix}-a`;
    await step(a, `creating network ${network}`, () =>
      a.docker.createNetwork({ Name: network, Labels: labels(runId, "network") }),
    );
    const sinkName = `${prefix}-sink`;
    const sink = await startContainer(a, {
      name: sinkName,
      Image: toolboxImage,
      Cmd: [lent.node, "--input-type=module", "-e", probe, "sink", String(streamPort), String(httpPort)],
      Env: lent.env,
      Labels: labels(runId, "sink"),
      ExposedPorts: portSpec(true).ExposedPorts,
      HostConfig: { NetworkMode: network, Binds: lent.binds, PortBindings: portSpec(true).PortBindings },
    });
    const sources = await Promise.all(
      relayed.map(async (path) => {
        const config = ambassadorConfig(path);
        const container = await startContainer(a, {
          name: `${prefix}-${path}-source`,
          Image: config.Image,
          Env: [
            ...config.Env,
            `SINK_PORT_${streamPort}_TCP=tcp://${sinkName}:${streamPort}`,
            `SINK_PORT_${httpPort}_TCP=tcp://${sinkName}:${httpPort}`,
          ],
          Labels: labels(runId, "source"),
          ExposedPorts: portSpec(true).ExposedPorts,
          HostConfig: {
            NetworkMode: network,
            PortBindings: portSpec(true).PortBindings,
            CapAdd: config.CapAdd,
            Sysctls: config.Sysctls,
          },
        });
        topology.ambassadors.push({ path, side: "source", host: a, container });
        return [path, await publishedPorts(a, container)] as const;
      }),
    );
    return { sinkPorts: await publishedPorts(a, sink), sources: new Map(sources) };
  };

  const clients = async () =>
    new Map(
      await Promise.all(
        dataPathNames.map(async (path) => {
          const network = `${prefix}-${path}`;
          await step(b, `creating network ${network}`, () =>
            b.docker.createNetwork({ Name: network, Labels: labels(runId, "network") }),
          );
          const client = await startContainer(b, {
            name: `${prefix}-${path}-client`,
            Image: toolboxImage,
            Env: lent.env,
            Labels: labels(runId, "client"),
            HostConfig: { NetworkMode: network, Binds: lent.binds },
          });
          return [path, { client, network }] as const;
        }),
      ),
    );

  const [{ sinkPorts, sources }, clientsByPath] = await Promise.all([hostA(), clients()]);
  await Promise.all(
    dataPathNames.map(async (path) => {
      const { client, network } = clientsByPath.get(path) ?? {};
      const source = sources.get(path as Exclude<DataPathName, "direct">);
      if (!client || !network) throw new Error(`no client for ${path}`);
      if (path === "direct" || !source) {
        topology.endpoints.push({
          path,
          client,
          address: a.ip,
          streamPort: sinkPorts[streamPort] ?? 0,
          httpPort: sinkPorts[httpPort] ?? 0,
        });
        return;
      }
      const config = ambassadorConfig(path);
      const target = await startContainer(b, {
        name: `${prefix}-${path}-target`,
        Image: config.Image,
        Env: [
          ...config.Env,
          `SINK_PORT_${streamPort}_TCP=tcp://${a.ip}:${source[streamPort]}`,
          `SINK_PORT_${httpPort}_TCP=tcp://${a.ip}:${source[httpPort]}`,
        ],
        Labels: labels(runId, "target"),
        ExposedPorts: portSpec(false).ExposedPorts,
        HostConfig: { NetworkMode: network, CapAdd: config.CapAdd, Sysctls: config.Sysctls },
        NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: ["sink"] } } },
      });
      topology.ambassadors.push({ path, side: "target", host: b, container: target });
      // By address, so the embedded DNS server's lookup stays out of every connection's time.
      const address = await addressOn(b, target, network);
      topology.endpoints.push({ path, client, address, streamPort, httpPort });
    }),
  );
  topology.endpoints.sort((x, y) => dataPathNames.indexOf(x.path) - dataPathNames.indexOf(y.path));
  progress("containers started; waiting for every path to answer");

  await Promise.all(
    topology.endpoints.map(async (endpoint) => {
      await runProbe(topology, endpoint, ["ready", endpoint.address, String(endpoint.httpPort), "20000"]);
    }),
  );
  progress("every path answers");
  return topology;
}

async function runProbe(
  topology: DataPathTopology,
  endpoint: PathEndpoint,
  args: string[],
  timeoutMs = 120_000,
): Promise<unknown> {
  const probe = await probeSource;
  const result = await execIn(
    topology.lab.b,
    endpoint.client,
    [topology.node, "--input-type=module", "-e", probe, ...args],
    timeoutMs,
  );
  if (result.exitCode !== 0) {
    throw new Error(`${endpoint.path}: probe ${args[0]} failed: ${(result.stderr || result.stdout).trim()}`);
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
  const result = (await runProbe(topology, endpoint, args)) as { seconds: number };
  return result.seconds;
}

/** One stream then `count` connections through a path, in one visit to its client. */
async function measureRound(
  topology: DataPathTopology,
  endpoint: PathEndpoint,
  bytes: number,
  count: number,
) {
  const args = ["round", endpoint.address, String(endpoint.streamPort), String(endpoint.httpPort)];
  return (await runProbe(topology, endpoint, [...args, String(bytes), String(count)])) as {
    seconds: number;
    samplesMs: number[];
  };
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
 * Measures every path in the same run, interleaved: each repetition visits every path once (one stream, then
 * `connections` connections), and the order of paths rotates between repetitions.
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
    for (const endpoint of rotated(topology.endpoints, rep)) {
      const { seconds, samplesMs } = await measureRound(
        topology,
        endpoint,
        settings.streamBytes,
        settings.connections,
      );
      const mbps = settings.streamBytes / 1e6 / seconds;
      const middle = summarize(samplesMs).median;
      throughput.get(endpoint.path)?.push(mbps);
      connectMedians.get(endpoint.path)?.push(middle);
      connectAll.get(endpoint.path)?.push(...samplesMs);
      progress(
        `repetition ${rep + 1}/${settings.repetitions} ${pad(endpoint.path)} ${mbps.toFixed(0).padStart(5)} MB/s, ` +
          `connect ${middle.toFixed(3)} ms (median of ${samplesMs.length})`,
      );
    }
  }

  const summaries = dataPathNames.map((path) => ({
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
    throughputSpreadMBps: { min: round(t.min, 1), max: round(t.max, 1) },
    connectSpreadMs: { min: round(c.min, 3), max: round(c.max, 3) },
    connectP90Ms: round(percentile(connectAll.get(path) ?? [], 90), 3),
    throughputRunsMBps: (throughput.get(path) ?? []).map((value) => round(value, 1)),
    connectRunsMs: (connectMedians.get(path) ?? []).map((value) => round(value, 3)),
    ambassadorMode: path === "direct" ? null : ((modes.get(path) ?? null) as DataPathEntry["ambassadorMode"]),
  }));
}
