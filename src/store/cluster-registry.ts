import type { DockerEndpoint } from "../docker/docker-client.js";
import type { TlsMaterial } from "../docker/tls-material.js";
import type { Actor } from "../domain/actor.js";
import type { AuditLog } from "../domain/audit.js";
import { unknownClusterError } from "../domain/cluster.js";
import { linkClusters } from "../domain/link.js";
import { byCodePoint } from "../domain/values.js";
import { UserError } from "../errors.js";
import {
  alteredClusterError,
  checkSeals,
  clusterSealContext,
  sealCluster,
  sealKeyCheck,
} from "./cluster-seal.js";
import type { ClusterRecord } from "./schema.js";
import { SealError, type SecretBox } from "./secret-box.js";
import type { Store } from "./store.js";

/** A cluster checked and ready to be saved; its private key is still plain text. */
export interface ClusterCandidate {
  name: string;
  host: string;
  tls?: TlsMaterial;
  advertise: string;
  channels: string[];
  egress?: string[];
}

/** Registered clusters in the store: private keys sealed on the way in, every change audited. */
export class ClusterRegistry {
  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly audit: AuditLog,
  ) {}

  list(): ClusterRecord[] {
    return [...this.store.data.clusters].sort((a, b) => byCodePoint(a.name, b.name));
  }

  get(name: string): ClusterRecord | undefined {
    return this.store.data.clusters.find((cluster) => cluster.name === name);
  }

  /** Throws UserError("unknown-cluster") naming no cluster: who asks, and what they may see, is not known here. */
  require(name: string): ClusterRecord {
    const record = this.get(name);
    if (record) return record;
    throw unknownClusterError(name, [], this.store.data.clusters.length);
  }

  #open(record: ClusterRecord): string {
    try {
      return this.secrets.open(record.seal, clusterSealContext(record));
    } catch (error) {
      if (error instanceof SealError) throw alteredClusterError(record, this.store.path, error);
      throw error;
    }
  }

  /** Where and how to reach a cluster, with its private key opened (keep it in memory only). */
  endpoint(record: ClusterRecord): DockerEndpoint {
    const key = this.#open(record);
    if (!record.tls) return { host: record.host };
    return { host: record.host, tls: { ca: record.tls.ca, cert: record.tls.cert, key } };
  }

  /**
   * Opens every record's seal, so a wrong key or a record changed outside ambassador is found at start
   * rather than at first use. Throws when the key is wrong: it does not open the store's key check or, in a
   * store without one, any record. Returns the records refused.
   */
  verifySeals(): UserError[] {
    return checkSeals(this.secrets, this.store.data, this.store.path);
  }

  /** Seals a key check into a store that has none, once its key is known to be the right one. */
  async ensureKeyCheck(): Promise<void> {
    if (this.store.data.keyCheck) return;
    await this.store.update((data) => {
      data.keyCheck = sealKeyCheck(this.secrets);
    });
  }

  /** Saves a checked cluster; refuses a name already registered. */
  async add(candidate: ClusterCandidate, actor: Actor): Promise<ClusterRecord> {
    const record = await this.store.update((data) => {
      if (data.clusters.some((cluster) => cluster.name === candidate.name)) {
        throw new UserError(
          "cluster-exists",
          `a cluster named "${candidate.name}" is already registered; remove it first (ambassador clusters remove ${candidate.name})`,
        );
      }
      const record = sealCluster(
        this.secrets,
        {
          name: candidate.name,
          host: candidate.host,
          ...(candidate.tls && { tls: { ca: candidate.tls.ca, cert: candidate.tls.cert } }),
          advertise: candidate.advertise,
          ...(candidate.egress && { egress: [...candidate.egress] }),
          channels: [...candidate.channels],
          addedAt: new Date().toISOString(),
          addedBy: actor,
        },
        candidate.tls?.key ?? "",
      );
      data.clusters.push(record);
      return record;
    });
    await this.audit.record({
      actor,
      action: "cluster.add",
      target: record.name,
      outcome: "ok",
      detail: `${record.host}${record.tls ? " (TLS)" : ""}, advertise ${record.advertise}`,
    });
    return record;
  }

  /** Removes a cluster; refused while links use it, unless `force`. Returns the IDs of links left dangling. */
  async remove(
    name: string,
    options: { force?: boolean },
    actor: Actor,
  ): Promise<{ danglingLinks: string[] }> {
    const users = await this.store.update((data) => {
      const index = data.clusters.findIndex((cluster) => cluster.name === name);
      if (index === -1) this.require(name);
      const users = data.links.filter((link) => linkClusters(link).includes(name)).map((link) => link.id);
      if (users.length && !options.force) {
        throw new UserError(
          "cluster-in-use",
          `cluster "${name}" is used by ${users.length === 1 ? "link" : "links"} ${users.join(", ")}; tear ${users.length === 1 ? "it" : "them"} down first, or add --force`,
        );
      }
      data.clusters.splice(index, 1);
      return users;
    });
    await this.audit.record({
      actor,
      action: "cluster.remove",
      target: name,
      outcome: "ok",
      detail: users.length ? `forced while used by ${users.join(", ")}` : undefined,
    });
    return { danglingLinks: users };
  }
}
