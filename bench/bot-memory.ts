import { createServices } from "../src/app-context.js";
import { configSecrets, loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";

/**
 * Run in a process of its own (`node --expose-gc --import tsx bench/bot-memory.ts`) with AMBASSADOR_STORE set:
 * opens the store and builds the engine as the bot does, then prints its memory as JSON.
 */
const config = loadConfig(process.env);
const logger = createLogger({ level: "warn", secrets: configSecrets(config) });
const services = await createServices(config, logger);
const links = services.links?.all().length ?? 0;
(globalThis as { gc?: () => void }).gc?.();
const usage = process.memoryUsage();
process.stdout.write(`${JSON.stringify({ links, rss: usage.rss, heapUsed: usage.heapUsed })}\n`);
await services.close?.();
