import type { LinkRepository } from "../docker/clusters.js";
import { auditEntry } from "./audit.js";
import type { Actor, LinkRecord } from "./schema.js";
import type { Store } from "./store.js";

/** Links kept in the store; every save and removal is audited in the same write. */
export class StoreLinkRepository implements LinkRepository {
  /** `defaultActor` is recorded when a caller does not say who made the change. */
  constructor(
    private readonly store: Store,
    private readonly defaultActor: Actor,
  ) {}

  all(): LinkRecord[] {
    return [...this.store.data.links];
  }

  get(id: string): LinkRecord | undefined {
    return this.store.data.links.find((link) => link.id === id);
  }

  async save(link: LinkRecord, actor: Actor = this.defaultActor): Promise<void> {
    await this.store.update((data) => {
      const index = data.links.findIndex((existing) => existing.id === link.id);
      if (index === -1) data.links.push(structuredClone(link));
      else data.links[index] = structuredClone(link);
      data.audit.push(
        auditEntry({
          actor,
          action: index === -1 ? "link.create" : "link.update",
          target: link.id,
          channel: link.channel,
          outcome: "ok",
          detail: `${link.container} ${link.sourceCluster} -> ${link.targetCluster} (${link.status})`,
        }),
      );
    });
  }

  async remove(id: string, actor: Actor = this.defaultActor): Promise<void> {
    await this.store.update((data) => {
      const index = data.links.findIndex((link) => link.id === id);
      if (index === -1) return;
      const [link] = data.links.splice(index, 1);
      data.audit.push(
        auditEntry({
          actor,
          action: "link.remove",
          target: id,
          channel: link?.channel,
          outcome: "ok",
          detail: link ? `${link.container} ${link.sourceCluster} -> ${link.targetCluster}` : undefined,
        }),
      );
    });
  }
}
