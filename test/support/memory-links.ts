import type { LinkRecord, LinkRepository } from "../../src/domain/link.js";
import { type AuthorityKeeper, KeptLinkAuthority } from "../../src/store/link-authority.js";
import { newStoreId } from "../../src/store/schema.js";

/** Links held in memory; writes go one at a time, as the store's do. */
export class MemoryLinks implements LinkRepository {
  private readonly links = new Map<string, LinkRecord>();
  private queue: Promise<void> = Promise.resolve();

  /** A store ID of its own, as a store's: two of them over the same hosts are two bots. */
  constructor(
    readonly storeId: string = newStoreId(),
    initial: readonly LinkRecord[] = [],
  ) {
    for (const link of initial) this.links.set(link.id, structuredClone(link));
  }

  all(): LinkRecord[] {
    return [...this.links.values()].map((link) => structuredClone(link));
  }

  get(id: string): LinkRecord | undefined {
    const link = this.links.get(id);
    return link && structuredClone(link);
  }

  save(link: LinkRecord): Promise<void> {
    return this.write(() => {
      this.links.set(link.id, structuredClone(link));
    });
  }

  update(id: string, change: (current: LinkRecord) => LinkRecord | undefined): Promise<void> {
    return this.write(() => {
      const current = this.links.get(id);
      const next = current && change(structuredClone(current));
      if (next) this.links.set(id, structuredClone(next));
    });
  }

  remove(id: string): Promise<void> {
    return this.write(() => {
      this.links.delete(id);
    });
  }

  private write(change: () => void): Promise<void> {
    const next = this.queue.then(change);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** A CA kept in memory, for the real link authority in tests without a store. */
export function memoryAuthorityKeeper(): AuthorityKeeper & { saved?: { cert: string; key: string } } {
  const keeper: AuthorityKeeper & { saved?: { cert: string; key: string } } = {
    load: () => keeper.saved,
    async save(ca) {
      keeper.saved ??= ca;
    },
  };
  return keeper;
}

/** The real link authority over a CA kept in memory. */
export function testAuthority(): KeptLinkAuthority {
  return new KeptLinkAuthority(memoryAuthorityKeeper());
}
