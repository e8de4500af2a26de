import type { Config } from "../config.js";
import type { ClusterDirectory } from "../docker/clusters.js";
import type { AuditLog } from "../domain/audit.js";
import type { LinkHealth, LinkRepository } from "../domain/link.js";
import type { Engine } from "../engine/types.js";
import type { Logger } from "../logger.js";

/** Everything the commands and front ends need, passed in rather than read from globals. */
export interface Services {
  engine: Engine;
  clusters: ClusterDirectory;
  audit: AuditLog;
  logger: Logger;
  config: Config;
  /** The links as stored, for the monitor; absent in tests that need none. */
  links?: LinkRepository;
  /** A link's health as the running monitor last saw it; without a monitor, the stored health is shown. */
  health?: (linkId: string) => LinkHealth | undefined;
  /**
   * Where the Slack bot writes down the signatures of the requests it took, so that one sent again after a restart
   * is refused too (beside the store); none where no store is kept on disk.
   */
  seenRequestsFile?: string;
  /** Flushes and releases the store; called once on shutdown. */
  close?: () => Promise<void>;
}
