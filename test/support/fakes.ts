import { Writable } from "node:stream";
import type { Services } from "../../src/commands/services.js";
import { type Config, configSecrets, loadConfig } from "../../src/config.js";
import type { ClusterDirectory } from "../../src/docker/clusters.js";
import type { AuditEntry, AuditLog } from "../../src/domain/audit.js";
import type { Engine } from "../../src/engine/types.js";
import { createLogger } from "../../src/logger.js";
import { type MemoryEngine, memoryEngine } from "./memory-engine.js";

/** An AuditLog in memory. */
export class MemoryAuditLog implements AuditLog {
  readonly recorded: AuditEntry[] = [];
  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    this.recorded.push({ at: new Date().toISOString(), ...entry });
  }
  async entries(): Promise<AuditEntry[]> {
    return this.recorded;
  }
  async recent(): Promise<AuditEntry[]> {
    return this.recorded;
  }
}

/** Collects everything written to it, for tests that read the log. */
export class CapturedOutput extends Writable {
  text = "";
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString();
    callback();
  }

  /** The log's lines written as JSON, read back. */
  lines(): LogLine[] {
    return this.text
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  }
}

/** A JSON log line: its level and message, and whatever fields it carries. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** What testServices builds on; every part defaults to the real engine over a fresh memoryEngine(). */
export interface TestServicesOptions {
  lab?: MemoryEngine;
  /** An engine wrapping `lab.engine` (e.g. engineFailingOn), in place of it. */
  engine?: Engine;
  clusters?: ClusterDirectory;
  audit?: MemoryAuditLog;
  env?: NodeJS.ProcessEnv;
  log?: CapturedOutput;
}

/** Services over the real engine and in-memory hosts, with the audit log and the log captured. */
export function testServices(options: TestServicesOptions = {}): Services & {
  audit: MemoryAuditLog;
  log: CapturedOutput;
  config: Config;
  lab: MemoryEngine;
} {
  const config = loadConfig({ AMBASSADOR_ADMINS: "UADMIN", LOG_LEVEL: "debug", ...options.env });
  const log = options.log ?? new CapturedOutput();
  const audit = options.audit ?? new MemoryAuditLog();
  const lab = options.lab ?? memoryEngine();
  return {
    engine: options.engine ?? lab.engine,
    clusters: options.clusters ?? lab.clusters,
    audit,
    log,
    config,
    lab,
    logger: createLogger({ level: config.logLevel, secrets: configSecrets(config), destination: log }),
  };
}
