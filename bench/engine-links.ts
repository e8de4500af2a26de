import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { networkNames } from "../src/engine/link-plan.js";
import type { LinkResult, RequestContext } from "../src/engine/types.js";
import { describeError } from "../src/errors.js";
import type { BenchLab } from "./bench-lab.js";
import { type BenchStore, createBenchStore } from "./bench-store.js";
import type { OurMode } from "./results-schema.js";

const benchActor: RequestContext = { actor: { kind: "local", user: "bench" }, channel: "C1" };

/** A link the engine made for one data path, and the network on host B its consumers join. */
export interface EngineLink {
  path: OurMode;
  alias: string;
  result: LinkResult;
  targetNetwork: string;
}

/** The engine over a store of the benchmark's own, the links it made for the data paths, and their removal. */
export interface EngineLinks {
  make(path: OurMode, container: string, ports: number[]): Promise<EngineLink>;
  /** Tears down every link made, closes the store and removes its folder; returns what it could not do. */
  close(): Promise<string[]>;
}

/**
 * `tls` is a default link (mutual TLS); `kernel` and `relay` are `--plaintext` links in that mode. Each gets an
 * alias of its own, since the engine returns an existing link for the same container, clusters and alias.
 */
function optionsFor(path: OurMode, ports: number[]) {
  const alias = `sink-${path}`;
  return path === "tls"
    ? { alias, ports }
    : { alias, ports, plaintext: true, mode: path as Exclude<OurMode, "tls"> };
}

export async function openEngineLinks(lab: BenchLab): Promise<EngineLinks> {
  const scratch = await mkdtemp(join(tmpdir(), "ambassador-bench-links-"));
  let store: BenchStore;
  try {
    store = await createBenchStore(lab, scratch, { namesPerHost: 1, deadHosts: [], links: 0 });
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
  const made: EngineLink[] = [];
  return {
    async make(path, container, ports) {
      const options = optionsFor(path, ports);
      const result = await store.engine.link(container, "clustera", "clusterb", options, benchActor);
      const link: EngineLink = {
        path,
        alias: options.alias,
        result,
        targetNetwork: networkNames(result.link).target ?? "",
      };
      made.push(link);
      if (result.existing) throw new Error(`link ${path} returned an existing link instead of making one`);
      for (const side of ["source", "target"] as const) {
        if (result[side].mode !== path) {
          throw new Error(`the engine ran the ${side} ambassador of ${path} in mode ${result[side].mode}`);
        }
      }
      if (!link.targetNetwork) throw new Error(`link ${path} has no target network`);
      return link;
    },
    async close() {
      const problems: string[] = [];
      for (const link of made) {
        await store.engine
          .teardown(link.result.link.id, benchActor)
          .then((teardown) => {
            for (const left of teardown.left)
              problems.push(`${link.path} link left ${left.name}: ${left.error}`);
          })
          .catch((error) => problems.push(`tearing down the ${link.path} link: ${describeError(error)}`));
      }
      await store.services.close().catch(() => undefined);
      await rm(scratch, { recursive: true, force: true });
      return problems;
    },
  };
}
