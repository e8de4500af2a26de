import { existsSync } from "node:fs";
import { type Deadlines, defaultDeadlines } from "../deadlines.js";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { LinkRepository } from "../domain/link.js";
import type { LinkAuthority } from "../domain/pki.js";
import type { Logger } from "../logger.js";
import { auditFilePath, FileAuditLog } from "./audit-file.js";
import { moveAuditLog } from "./audit-move.js";
import { StoreClusterDirectory } from "./cluster-directory.js";
import { ClusterRegistry } from "./cluster-registry.js";
import { checkSeals, upgradeLegacyStore } from "./cluster-seal.js";
import { KeptLinkAuthority, storeAuthorityKeeper } from "./link-authority.js";
import { StoreLinkRepository } from "./link-repository.js";
import { withLinkTargets } from "./link-targets.js";
import type { AuditedStoreData } from "./schema.js";
import { loadSecretBox, type SecretBox } from "./secret-box.js";
import { Store } from "./store.js";
import type { StoreConfig } from "./store-config.js";
import type { StoreLock } from "./store-lock.js";

/** Everything built on the store, opened together. */
export interface StoreServices {
  store: Store;
  secrets: SecretBox;
  registry: ClusterRegistry;
  clusters: ClusterDirectory;
  links: LinkRepository;
  /** The bot's own CA for mTLS links, kept in the store. */
  authority: LinkAuthority;
  audit: FileAuditLog;
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
  /** Where an audit line that could not be written goes instead; without it, stderr. */
  logger?: Logger;
  /** The store's lock, already begun; the store takes it over (and gives it back when it cannot open). */
  lock?: Promise<StoreLock>;
  /**
   * Open it to read while another process holds its lock (Store's `readOnly`): the key must exist, and the audit
   * lines are appended without rotating the file, which its writer does.
   */
  readOnly?: boolean;
}

/**
 * Whether a store holds anything sealed under its key (a cluster's credentials, the link CA, the key check): then a
 * missing key is an error to fix, never a reason to make a new one.
 */
function holdsSecrets(data: {
  clusters: readonly unknown[];
  authority?: unknown;
  keyCheck?: unknown;
}): boolean {
  return data.clusters.length > 0 || data.authority !== undefined || data.keyCheck !== undefined;
}

/** Opens the store (lock, permissions, schema), its key (checked against every seal) and the repositories. */
export async function openStoreServices(
  config: StoreConfig,
  options: StoreServicesOptions = {},
): Promise<StoreServices> {
  const source = { storePath: config.path, key: config.key, keyFile: config.keyFile };
  let loaded: { box: SecretBox; created?: string } | undefined;
  const notices: string[] = [];
  const readOnly = options.readOnly === true;
  const audit = new FileAuditLog(auditFilePath(config.path), {
    ...(readOnly ? { maxBytes: Number.POSITIVE_INFINITY } : {}),
    onWriteError: (error, entries) => {
      if (options.logger) options.logger.error({ err: error, entries }, "could not write the audit log");
      else process.stderr.write(`ambassador: ${error.message}; not written: ${JSON.stringify(entries)}\n`);
    },
  });
  // A new store's key first: a key that cannot be had leaves no store behind.
  if (config.keyFile && !readOnly && !existsSync(config.path)) loaded = await loadSecretBox(source);
  const store = await Store.open(config.path, {
    lock: options.lock,
    readOnly,
    upgrade: async (older) => {
      if (older.version === 3) return withLinkTargets(older);
      let audited: AuditedStoreData;
      if (older.version === 1) {
        loaded = await loadSecretBox(source, { mustExist: older.clusters.some((cluster) => cluster.tls) });
        audited = upgradeLegacyStore(older, loaded.box, config.path);
        if (audited.clusters.length) {
          notices.push(
            `ambassador: re-sealed the ${audited.clusters.length} cluster record(s) of ${config.path} so that each whole record is bound to the store's key; a record changed outside ambassador is now refused.`,
          );
        }
      } else {
        loaded = await loadSecretBox(source, { mustExist: holdsSecrets(older) });
        checkSeals(loaded.box, older, config.path);
        audited = older;
      }
      if (audited.audit.length) {
        notices.push(
          `ambassador: moved the ${audited.audit.length} audit entries of ${config.path} to ${audit.path}, where every audit entry now goes.`,
        );
      }
      return withLinkTargets(await moveAuditLog(audited, audit));
    },
  });
  try {
    loaded ??= await loadSecretBox(source, { mustExist: readOnly || holdsSecrets(store.data) });
    const { box, created } = loaded;
    const registry = new ClusterRegistry(store, box, audit);
    const altered = registry.verifySeals();
    if (altered.length && !options.allowAlteredClusters) throw altered[0];
    if (!readOnly && (altered.length < store.data.clusters.length || store.data.clusters.length === 0)) {
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
      audit,
      notices,
      close: async () => {
        await audit.flush();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
