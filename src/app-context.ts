import type { Config } from "./config.js";
import type { ClusterDirectory } from "./docker/clusters.js";
import type { Engine } from "./engine/types.js";
import type { Logger } from "./logger.js";
import type { AuditLog } from "./store/audit.js";
import type { ClustersCommandRunner } from "./terminal/clusters-delegate.js";

/** Everything the front ends need, passed in rather than read from globals. */
export interface Services {
  engine: Engine;
  clusters: ClusterDirectory;
  audit: AuditLog;
  logger: Logger;
  config: Config;
  /** `ambassador clusters add|list|remove|test …`, owned by the store. */
  runClustersCommand?: ClustersCommandRunner;
  /** Flushes and releases the store; called once on shutdown. */
  close?: () => Promise<void>;
}

/** The parts of Services that come from the store and the link engine. */
export type BackendServices = Omit<Services, "logger" | "config">;

/** Opens the store and builds the link engine over it. */
export type BackendFactory = (config: Config, logger: Logger) => Promise<BackendServices>;

/**
 * The real store and link engine. They live in src/store/ and src/engine/ and are joined here, in one place,
 * so the front ends never construct them.
 */
export const defaultBackend: BackendFactory = async () => {
  throw new Error(
    "this build has no store and link engine wired in: src/app-context.ts defaultBackend must construct them",
  );
};

/** Composes the services for a run of the bot from its configuration. */
export async function createServices(
  config: Config,
  logger: Logger,
  backend: BackendFactory = defaultBackend,
): Promise<Services> {
  return { ...(await backend(config, logger)), logger, config };
}
