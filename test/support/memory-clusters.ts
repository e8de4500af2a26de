import type Docker from "dockerode";
import { defaultDeadlines } from "../../src/deadlines.js";
import { type ClusterDirectory, probeClusters } from "../../src/docker/clusters.js";
import type { DockerHost } from "../../src/docker/docker-host.js";
import { DockerodeHost } from "../../src/docker/dockerode-host.js";
import { type ClusterProbe, type ClusterSummary, unknownClusterError } from "../../src/domain/cluster.js";
import { type LabInfo, labDocker } from "../lab.js";

/** A cluster directory held in memory: tests register real Engines' dockerode clients under names. */
export class MemoryClusters implements ClusterDirectory {
  private readonly hosts = new Map<string, { host: DockerHost; summary: ClusterSummary }>();

  add(name: string, docker: Docker, advertise: string, url = advertise, channels: string[] = []): this {
    const host = new DockerodeHost(docker, {
      name,
      advertise,
      url,
      callMs: defaultDeadlines.call,
      pullMs: defaultDeadlines.pull,
    });
    this.hosts.set(name, { host, summary: { name, host: url, tls: true, advertise, channels } });
    return this;
  }

  list(): ClusterSummary[] {
    return [...this.hosts.values()].map((entry) => entry.summary);
  }

  host(name: string): DockerHost {
    const entry = this.hosts.get(name);
    if (!entry) throw unknownClusterError(name, [], this.hosts.size);
    return entry.host;
  }

  probe(names?: string[], timeoutMs = 5_000): Promise<ClusterProbe[]> {
    return probeClusters(this, names, timeoutMs);
  }
}

/** clustera and clusterb of the lab, each advertised at its own lab IP. */
export async function labClusters(info: LabInfo): Promise<MemoryClusters> {
  const clusters = new MemoryClusters();
  for (const name of ["clustera", "clusterb"] as const) {
    clusters.add(name, await labDocker(info[name]), info[name].ip, `tcp://${info[name].ip}:2376`);
  }
  return clusters;
}
