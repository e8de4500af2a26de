import type { Services } from "./commands/services.js";
import type { Config } from "./config.js";
import { dockerConfigDir } from "./docker/docker-context.js";
import { createLinkEngine } from "./engine/link-engine.js";
import type { Logger } from "./logger.js";
import { localActor } from "./store/audit.js";
import type { StoreLock } from "./store/store-lock.js";
import { openStoreServices } from "./store/store-services.js";
import type { ClustersCommandRunner } from "./terminal/clusters-delegate.js";

/** The services of a run of the bot, with the terminal's `ambassador clusters …` when the store provides it. */
export type AppServices = Services & {
  /** `ambassador clusters add|list|remove|test …`, owned by the store. */
  runClustersCommand?: ClustersCommandRunner;
};

/** The parts of AppServices that come from the store and the link engine. */
export type BackendServices = Omit<AppServices, "logger" | "config">;

/** What the run is for: `clusters` commands may open a store whose altered cluster records they are to remove. */
export interface BackendPurpose {
  clustersCommand?: boolean;
  /** The store's lock, begun before the run loaded (a one-shot command); the store takes it over. */
  storeLock?: Promise<StoreLock>;
  /** A command that only reads, run while another process holds the store: it opens it without the lock. */
  readOnly?: boolean;
}

/** Opens the store and builds the link engine over it. */
export type BackendFactory = (
  config: Config,
  logger: Logger,
  purpose?: BackendPurpose,
) => Promise<BackendServices>;

/** The real store and link engine, joined in this one place so the front ends never construct them. */
export const defaultBackend: BackendFactory = async (config, logger, purpose = {}) => {
  const store = await openStoreServices(config.store, {
    deadlines: config.deadlines,
    allowAlteredClusters: purpose.clustersCommand === true,
    logger,
    lock: purpose.storeLock,
    readOnly: purpose.readOnly,
  });
  for (const notice of store.notices) process.stderr.write(`${notice}\n`);
  const engine = createLinkEngine({
    clusters: store.clusters,
    links: store.links,
    authority: store.authority,
    logger,
    ambassadorImage: config.ambassadorImage,
    deadlines: config.deadlines,
  });
  return {
    engine,
    clusters: store.clusters,
    audit: store.audit,
    links: store.links,
    seenRequestsFile: `${config.store.path}.seen`,
    runClustersCommand: async (args, context = {}) =>
      // Loaded by the runs that manage clusters only: a one-shot command starts without it.
      (await import("./terminal/clusters-command.js")).runClustersCommand(
        args,
        {
          registry: store.registry,
          clusters: store.clusters,
          actor: localActor(),
          cwd: context.cwd,
          dockerConfigDir: context.dockerConfigDir ?? dockerConfigDir(process.env),
        },
        context.ready,
      ),
    close: () => {
      engine.stop();
      return store.close();
    },
  };
};

/** Composes the services for a run of the bot from its configuration. */
export async function createServices(
  config: Config,
  logger: Logger,
  backend: BackendFactory = defaultBackend,
  purpose: BackendPurpose = {},
): Promise<AppServices> {
  return { ...(await backend(config, logger, purpose)), logger, config };
}
