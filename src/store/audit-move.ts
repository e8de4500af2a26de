import type { FileAuditLog } from "./audit-file.js";
import type { AuditedStoreData, SingleTargetStoreData } from "./schema.js";

/**
 * The store without its audit log, once every entry is in the audit file. An entry already there (a move that
 * stopped before the store was written) is not written twice.
 */
export async function moveAuditLog(
  older: AuditedStoreData,
  audit: FileAuditLog,
): Promise<SingleTargetStoreData> {
  const { audit: entries, version: _version, ...rest } = older;
  const last = entries.at(-1);
  if (last && !(await audit.contains(last))) await audit.append(entries);
  return { ...rest, version: 3 };
}
