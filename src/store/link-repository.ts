import type { LinkRecord, LinkRepository } from "../domain/link.js";
import type { Store } from "./store.js";

/** Links kept in the store. Saving a link is not an audit event: the command that changed it is audited once. */
export class StoreLinkRepository implements LinkRepository {
  /** Links by ID for one version of the store's frozen list; a list read by a thousand links is one pass, not a million. */
  #index = new WeakMap<readonly LinkRecord[], Map<string, LinkRecord>>();

  constructor(private readonly store: Store) {}

  get storeId(): string | undefined {
    return this.store.data.id;
  }

  all(): LinkRecord[] {
    return [...this.store.data.links];
  }

  get(id: string): LinkRecord | undefined {
    const links = this.store.data.links;
    let byId = this.#index.get(links);
    if (!byId) {
      byId = new Map(links.map((link) => [link.id, link]));
      this.#index.set(links, byId);
    }
    return byId.get(id);
  }

  async save(link: LinkRecord): Promise<void> {
    await this.store.updateLinks((links) => {
      const index = links.findIndex((existing) => existing.id === link.id);
      if (index === -1) links.push(structuredClone(link));
      else links[index] = structuredClone(link);
    });
  }

  async update(id: string, change: (current: LinkRecord) => LinkRecord | undefined): Promise<void> {
    await this.store.updateLinks((links) => {
      const index = links.findIndex((existing) => existing.id === id);
      const next = index === -1 ? undefined : change(links[index] as LinkRecord);
      if (next) links[index] = structuredClone(next);
    });
  }

  async remove(id: string): Promise<void> {
    await this.store.updateLinks((links) => {
      const index = links.findIndex((link) => link.id === id);
      if (index !== -1) links.splice(index, 1);
    });
  }
}
