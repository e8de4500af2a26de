import { type Deadlines, defaultDeadlines } from "../deadlines.js";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { AuditLog } from "../domain/audit.js";
import type { LinkRepository } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import { StoreAuditLog } from "./audit.js";
import { StoreClusterDirectory } from "./cluster-directory.js";
import { ClusterRegistry } from "./cluster-registry.js";
import { upgradeLegacyStore } from "./cluster-seal.js";
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
  /**
   * Open even when some cluster records were changed outside ambassador, telling the user in a notice, so
   * that `ambassador clusters` can remove them; anything else refuses to start.
   */
  allowAlteredClusters?: boolean;
}

/** Opens the store (lock, permissions, schema), its key (checked against every seal) and the repositories. */
export async function openStoreServices(
  config: StoreConfig,
  options: StoreServicesOptions = {},
): Promise<StoreServices> {
  const source = { storePath: config.path, key: config.key, keyFile: config.keyFile };
  let loaded: { box: SecretBox; created?: string } | undefined;
  const notices: string[] = [];
  const store = await Store.open(config.path, {
    upgrade: async (legacy) => {
      loaded = await loadSecretBox(source, { mustExist: legacy.clusters.some((cluster) => cluster.tls) });
      const upgraded = upgradeLegacyStore(legacy, loaded.box, config.path);
      if (upgraded.clusters.length) {
        notices.push(
          `ambassador: re-sealed the ${upgraded.clusters.length} cluster record(s) of ${config.path} so that each whole record is bound to the store's key; a record changed outside ambassador is now refused.`,
        );
      }
      return upgraded;
    },
  });
  try {
    loaded ??= await loadSecretBox(source, { mustExist: store.data.clusters.length > 0 });
    const { box, created } = loaded;
    const registry = new ClusterRegistry(store, box);
    const altered = registry.verifySeals();
    if (altered.length && !options.allowAlteredClusters) throw altered[0];
    if (altered.length < store.data.clusters.length || store.data.clusters.length === 0) {
      await registry.ensureKeyCheck();
    }
    for (const refusal of altered) notices.push(`ambassador: ${refusal.message}`);
    if (created) {
      notices.unshift(
        `ambassador: generated the store's encryption key in ${created} (mode 0600). Back it up, apart from the store: without it the saved TLS keys cannot be read. Set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to keep it elsewhere.`,
      );
    }
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
