import { type Deadlines, defaultDeadlines } from "../deadlines.js";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { AuditLog } from "../domain/audit.js";
import type { LinkRepository } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import { StoreAuditLog } from "./audit.js";
import { StoreClusterDirectory } from "./cluster-directory.js";
import { ClusterRegistry } from "./cluster-registry.js";
import { KeptLinkAuthority, storeAuthorityKeeper } from "./link-authority.js";
import { StoreLinkRepository } from "./link-repository.js";
import { loadSecretBox, type SecretBox } from "./secret-box.js";
import { Store } from "./store.js";
import type { StoreConfig } from "./store-config.js";

/** Everything built on the store, opened together. */
export interface StoreServices {
  store: Store;
  secrets: SecretBox;
  registry: ClusterRegistry;
  clusters: ClusterDirectory;
  links: LinkRepository;
  /** The bot's own CA for mTLS links, kept in the store. */
  authority: LinkAuthority;
  audit: AuditLog;
  /** Things to tell the user once (a key file was generated); print them to stderr. */
  notices: string[];
  close(): Promise<void>;
}

export interface StoreServicesOptions {
  /** Deadlines of the Docker calls made through the clusters' hosts. */
  deadlines?: Deadlines;
}

/** Opens the store (lock, permissions, schema), its key (checked against every sealed secret) and the repositories. */
export async function openStoreServices(
  config: StoreConfig,
  options: StoreServicesOptions = {},
): Promise<StoreServices> {
  const store = await Store.open(config.path);
  try {
    const sealed = store.data.clusters.some((cluster) => cluster.tls);
    const { box, created } = await loadSecretBox(
      { storePath: config.path, key: config.key, keyFile: config.keyFile },
      { mustExist: sealed },
    );
    const registry = new ClusterRegistry(store, box);
    registry.verifySecrets();
    const notices = created
      ? [
          `ambassador: generated the store's encryption key in ${created} (mode 0600). Back it up, apart from the store: without it the saved TLS keys cannot be read. Set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to keep it elsewhere.`,
        ]
      : [];
    return {
      store,
      secrets: box,
      registry,
      clusters: new StoreClusterDirectory(registry, options.deadlines ?? defaultDeadlines),
      links: new StoreLinkRepository(store),
      authority: new KeptLinkAuthority(storeAuthorityKeeper(store, box)),
      audit: new StoreAuditLog(store),
      notices,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
