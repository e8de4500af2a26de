import type { Config } from "./config.js";
import type { ClusterDirectory, LinkRepository } from "./docker/clusters.js";
import { dockerConfigDir } from "./docker/docker-context.js";
import { createLinkEngine } from "./engine/link-engine.js";
import type { Engine } from "./engine/types.js";
import type { Logger } from "./logger.js";
import { type AuditLog, localActor } from "./store/audit.js";
import type { LinkHealth } from "./store/schema.js";
import { openStoreServices } from "./store/store-services.js";
import { runClustersCommand } from "./terminal/clusters-command.js";
import type { ClustersCommandRunner } from "./terminal/clusters-delegate.js";

/** Everything the front ends need, passed in rather than read from globals. */
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
  /** `ambassador clusters add|list|remove|test …`, owned by the store. */
  runClustersCommand?: ClustersCommandRunner;
  /** Flushes and releases the store; called once on shutdown. */
  close?: () => Promise<void>;
}

/** The parts of Services that come from the store and the link engine. */
export type BackendServices = Omit<Services, "logger" | "config">;

/** Opens the store and builds the link engine over it. */
export type BackendFactory = (config: Config, logger: Logger) => Promise<BackendServices>;

/** The real store and link engine, joined in this one place so the front ends never construct them. */
export const defaultBackend: BackendFactory = async (config, logger) => {
  const store = await openStoreServices(config.store);
  for (const notice of store.notices) process.stderr.write(`${notice}\n`);
  const engine = createLinkEngine({
    clusters: store.clusters,
    links: store.links,
    audit: store.audit,
    logger,
    ambassadorImage: config.ambassadorImage,
  });
  return {
    engine,
    clusters: store.clusters,
    audit: store.audit,
    links: store.links,
    runClustersCommand: (args) =>
      runClustersCommand(args, {
        registry: store.registry,
        clusters: store.clusters,
        actor: localActor(),
        dockerConfigDir: dockerConfigDir(process.env),
      }),
    close: () => store.close(),
  };
};

/** Composes the services for a run of the bot from its configuration. */
export async function createServices(
  config: Config,
  logger: Logger,
  backend: BackendFactory = defaultBackend,
): Promise<Services> {
  return { ...(await backend(config, logger)), logger, config };
}
