import type { LinkRecord, LinkRepository } from "../domain/link.js";
import type { Store } from "./store.js";

/** Links kept in the store. Saving a link is not an audit event: the command that changed it is audited once. */
export class StoreLinkRepository implements LinkRepository {
  constructor(private readonly store: Store) {}

  all(): LinkRecord[] {
    return [...this.store.data.links];
  }

  get(id: string): LinkRecord | undefined {
    return this.store.data.links.find((link) => link.id === id);
  }

  async save(link: LinkRecord): Promise<void> {
    await this.store.update((data) => {
      const index = data.links.findIndex((existing) => existing.id === link.id);
      if (index === -1) data.links.push(structuredClone(link));
      else data.links[index] = structuredClone(link);
    });
  }

  async remove(id: string): Promise<void> {
    await this.store.update((data) => {
      const index = data.links.findIndex((link) => link.id === id);
      if (index !== -1) data.links.splice(index, 1);
    });
  }
}
