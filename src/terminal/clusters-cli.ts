import { dockerConfigDir } from "../docker/docker-context.js";
import { isUserError } from "../errors.js";
import { localActor } from "../store/audit.js";
import { loadStoreConfig } from "../store/store-config.js";
import { openStoreServices } from "../store/store-services.js";
import { type CommandResult, runClustersCommand } from "./clusters-command.js";

/** `ambassador clusters …` as a one-shot process: opens the store from the environment, runs, closes. */
export async function runClustersFromEnvironment(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  report: (notice: string) => void = (notice) => console.error(notice),
): Promise<CommandResult> {
  let services: Awaited<ReturnType<typeof openStoreServices>>;
  try {
    services = await openStoreServices(loadStoreConfig(env));
  } catch (error) {
    if (isUserError(error)) return { exitCode: 1, output: `error: ${error.message}` };
    throw error;
  }
  try {
    for (const notice of services.notices) report(notice);
    return await runClustersCommand(args, {
      registry: services.registry,
      clusters: services.clusters,
      actor: localActor(),
      dockerConfigDir: dockerConfigDir(env),
    });
  } finally {
    await services.close();
  }
}
