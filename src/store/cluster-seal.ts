import { byCodePoint } from "../domain/values.js";
import { UserError } from "../errors.js";
import type { AuditedStoreData, ClusterFields, ClusterRecord, LegacyStoreData, StoreData } from "./schema.js";
import { SealError, type SecretBox } from "./secret-box.js";

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, child]) => child !== undefined)
        .sort(([a], [b]) => byCodePoint(a, b))
        .map(([key, child]) => [key, canonical(child)]),
    );
  }
  return value;
}

/** The additional authenticated data of a cluster's seal: every field but the seal, in a fixed order. */
export function clusterSealContext(record: ClusterFields): string {
  const { seal: _seal, ...fields } = record as ClusterFields & { seal?: unknown };
  return `ambassador.cluster.v2:${JSON.stringify(canonical(fields))}`;
}

/** A cluster record whose seal holds `privateKey` (empty without TLS) and binds every other field. */
export function sealCluster(box: SecretBox, fields: ClusterFields, privateKey: string): ClusterRecord {
  return { ...fields, seal: box.seal(privateKey, clusterSealContext(fields)) };
}

/** What to run to replace a cluster record that can no longer be trusted. */
export function readdAdvice(name: string): string {
  return `remove it (ambassador clusters remove ${name} --force) and add it again from its credentials (ambassador clusters add ${name} --docker-env …)`;
}

/** One line for a record whose seal refused it, the key being known good. */
export function alteredClusterError(record: ClusterFields, storePath: string, error: SealError): UserError {
  const why =
    error.reason === "shape"
      ? error.message
      : "its seal no longer matches its host, TLS files, advertise address, channels or who added it";
  return new UserError(
    "cluster-altered",
    `cluster "${record.name}" in ${storePath} was changed outside ambassador (${why}), so it is not used; ${readdAdvice(record.name)}`,
  );
}

const keyCheckContext = "ambassador.key-check.v2";
const keyCheckText = "ambassador";

/** A value only the store's key opens, kept in the store to tell a wrong key from altered records. */
export function sealKeyCheck(box: SecretBox): StoreData["keyCheck"] {
  return box.seal(keyCheckText, keyCheckContext);
}

/** Whether `box` holds the key the store's key check was sealed with. */
export function keyMatches(box: SecretBox, keyCheck: NonNullable<StoreData["keyCheck"]>): boolean {
  try {
    return box.open(keyCheck, keyCheckContext) === keyCheckText;
  } catch (error) {
    if (error instanceof SealError) return false;
    throw error;
  }
}

/** One line for a key that does not open the store's key check. */
export function storeKeyError(box: SecretBox, storePath: string): UserError {
  return new UserError(
    "wrong-key",
    `the key from ${box.origin} is not the key the store ${storePath} was written with; set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to the original key`,
  );
}

/** One line for a store without a key check none of whose records opens: most likely the key is not the store's. */
export function wrongKeyError(record: ClusterFields, box: SecretBox): UserError {
  return new UserError(
    "wrong-key",
    `cannot open cluster "${record.name}" with the key from ${box.origin}: it is not the key the store was written with, or the record was changed outside ambassador; set AMBASSADOR_KEY or AMBASSADOR_KEY_FILE to the original key, or ${readdAdvice(record.name)}`,
  );
}

/**
 * Opens every record's seal. Throws when the key is wrong: it does not open the store's key check or, in a
 * store without one, any record. Returns the records refused.
 */
export function checkSeals(
  box: SecretBox,
  data: Pick<StoreData, "keyCheck" | "clusters">,
  storePath: string,
): UserError[] {
  const { keyCheck } = data;
  if (keyCheck && !keyMatches(box, keyCheck)) throw storeKeyError(box, storePath);
  const altered: UserError[] = [];
  let opened = 0;
  let firstAuthFailure: ClusterRecord | undefined;
  for (const record of [...data.clusters].sort((a, b) => byCodePoint(a.name, b.name))) {
    try {
      box.open(record.seal, clusterSealContext(record));
      opened++;
    } catch (error) {
      if (!(error instanceof SealError)) throw error;
      if (error.reason === "auth") firstAuthFailure ??= record;
      altered.push(alteredClusterError(record, storePath, error));
    }
  }
  if (!keyCheck && opened === 0 && firstAuthFailure) throw wrongKeyError(firstAuthFailure, box);
  return altered;
}

/**
 * Re-seals a version 1 store: each TLS key is opened under its old context (`cluster:<name>:tls-key`) and
 * sealed again with its whole record. A key that does not open stops the upgrade before anything is written.
 */
export function upgradeLegacyStore(
  legacy: LegacyStoreData,
  box: SecretBox,
  storePath: string,
): AuditedStoreData {
  const clusters = legacy.clusters.map((record) => {
    let privateKey = "";
    if (record.tls) {
      try {
        privateKey = box.open(record.tls.key, `cluster:${record.name}:tls-key`);
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        if (error.reason === "shape") throw alteredClusterError(record, storePath, error);
        throw wrongKeyError(record, box);
      }
    }
    const { tls, ...rest } = record;
    return sealCluster(box, { ...rest, ...(tls && { tls: { ca: tls.ca, cert: tls.cert } }) }, privateKey);
  });
  return { ...legacy, version: 2, keyCheck: sealKeyCheck(box), clusters };
}
