import { type DockerHost, isUnreachable } from "../docker/docker-host.js";
import type { LinkResource } from "../domain/link.js";
import { isUserError } from "../errors.js";
import { byRoleOrder, type LeftResource, labelledResources, removeResources } from "./resource-removal.js";
import { StepFailure } from "./step-errors.js";
import type { StepTiming } from "./types.js";

/** A step of `link` or `repair`, announced before it runs (tests inject failures here). */
export interface LinkStep {
  name: string;
  cluster: string;
}

/** What an attempt needs from the engine. */
export interface AttemptDeps {
  hostOf: (cluster: string) => DockerHost;
  /** The store the link is kept in: a rollback takes only its objects by their label. */
  storeId?: string;
  beforeStep?: (step: LinkStep) => void | Promise<void>;
  /** How long a rollback waits for the listing of a host that did not answer a step of the same attempt. */
  silentSearchMs?: number;
}

/**
 * One try at making (or mending) a link: runs its steps, keeps what they created, and on failure cancels the
 * steps still running and removes what it made, newest first, on every host.
 */
export class Attempt {
  readonly timings: StepTiming[] = [];
  readonly #started = performance.now();
  readonly #created: LinkResource[] = [];
  readonly #lost: LinkResource[] = [];
  /** Clusters a step of this attempt found not answering. */
  readonly #silent = new Set<string>();
  /** Clusters a step that may make something ran on: only there can a call cut short have left an unknown object. */
  readonly #written = new Set<string>();
  readonly #abort = new AbortController();

  constructor(
    readonly linkId: string,
    private readonly deps: AttemptDeps,
  ) {}

  /**
   * Aborted once any step failed: no further step starts, and reads and waits running beside it stop at once. Calls
   * that make something are left to finish, so whatever they made is known and rolled back.
   */
  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** Wall-clock time since the attempt began; steps run side by side, so their timings add up to more. */
  get elapsedMs(): number {
    return Math.round(performance.now() - this.#started);
  }

  /** What this attempt made so far, in creation order. */
  get created(): LinkResource[] {
    return [...this.#created].sort(byRoleOrder);
  }

  /**
   * Runs a step on `cluster`. One that `makesNothing` of this link (a read, or the removal of another link's leftovers)
   * spares its cluster a rollback's search for what a call cut short may have made there.
   */
  async step<T>(
    name: string,
    cluster: string,
    run: (signal: AbortSignal) => Promise<T>,
    options: { makesNothing?: boolean } = {},
  ): Promise<T> {
    if (!options.makesNothing) this.#written.add(cluster);
    const started = performance.now();
    try {
      this.signal.throwIfAborted();
      await this.deps.beforeStep?.({ name, cluster });
      const result = await run(this.signal);
      this.timings.push({ step: name, cluster, ms: Math.round(performance.now() - started) });
      return result;
    } catch (error) {
      // Not a call this attempt cancelled itself once another step failed: that host may well answer.
      if (isUnreachable(error) && !this.signal.aborted) this.#silent.add(cluster);
      const failure =
        error instanceof StepFailure || (isUserError(error) && this.#created.length === 0)
          ? error
          : new StepFailure(name, cluster, error);
      if (!this.signal.aborted) this.#abort.abort(failure);
      throw failure;
    }
  }

  /** Runs branches side by side and waits for all, so none is still creating things when rollback starts. */
  async all<T extends readonly unknown[]>(
    branches: [...{ [K in keyof T]: Promise<T[K]> }],
  ): Promise<{ [K in keyof T]: T[K] }> {
    const outcomes = await Promise.allSettled(branches);
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === "rejected");
    const first = this.signal.aborted ? this.signal.reason : failed[0]?.reason;
    if (failed.length) throw first;
    return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: T[K] };
  }

  track(resource: LinkResource): void {
    this.#created.push(resource);
  }

  /** A part the link had before this attempt, which the attempt removed to replace it: no rollback brings it back. */
  lose(resource: LinkResource): void {
    this.#lost.push(resource);
  }

  /** The link's own parts this attempt removed so far. */
  get lost(): LinkResource[] {
    return [...this.#lost];
  }

  untrack(cluster: string, id: string): void {
    const index = this.#created.findIndex((r) => r.id === id && r.cluster === cluster);
    if (index >= 0) this.#created.splice(index, 1);
  }

  /**
   * Removes everything this attempt made; returns what could not be removed, and the clusters that could not be
   * searched. A call cancelled mid-flight may have made something whose ID never came back, so the hosts are
   * searched by the link's label too; `kept` are the link's own parts from before this attempt, which stay.
   */
  async rollback(
    clusters: readonly string[],
    kept: readonly LinkResource[] = [],
  ): Promise<{ left: LeftResource[]; unsearched: string[] }> {
    const created = this.created;
    const unsearched: string[] = [];
    // Where this attempt only read, nothing of its own can be: the link's other objects there are not its to take.
    const searched = [...new Set(clusters)].filter(
      (cluster) => this.#written.has(cluster) || created.some((resource) => resource.cluster === cluster),
    );
    const found = await Promise.all(
      searched.map((cluster) =>
        labelledResources(this.deps.hostOf(cluster), this.linkId, [...kept, ...created], {
          storeId: this.deps.storeId,
          // A host that already did not answer is given a health check's time at most, not a whole deadline again.
          signal:
            this.#silent.has(cluster) && this.deps.silentSearchMs !== undefined
              ? AbortSignal.timeout(this.deps.silentSearchMs)
              : undefined,
        }).catch(() => {
          unsearched.push(cluster);
          return [];
        }),
      ),
    );
    const extra = found.flat();
    const all = [
      ...extra.filter((r) => r.kind === "network"),
      ...created,
      ...extra.filter((r) => r.kind === "container"),
    ];
    return { left: await removeResources(this.deps.hostOf, all, this.linkId), unsearched };
  }
}
