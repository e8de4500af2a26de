import { format } from "node:util";
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import type { Logger } from "../logger.js";

function toBoltLevel(level: string): LogLevel {
  if (level === "debug" || level === "trace") return LogLevel.DEBUG;
  if (level === "info") return LogLevel.INFO;
  if (level === "warn") return LogLevel.WARN;
  return LogLevel.ERROR;
}

/** Bolt's and the Web API client's logs, sent through the bot's redacting pino logger. */
export function createBoltLogger(logger: Logger): BoltLogger {
  let child = logger.child({ component: "slack" });
  return {
    debug: (...msg: unknown[]) => child.debug(format(...msg)),
    info: (...msg: unknown[]) => child.info(format(...msg)),
    warn: (...msg: unknown[]) => child.warn(format(...msg)),
    error: (...msg: unknown[]) => child.error(format(...msg)),
    setLevel: () => {},
    getLevel: () => toBoltLevel(logger.level),
    setName: (name: string) => {
      child = logger.child({ component: name });
    },
  };
}
