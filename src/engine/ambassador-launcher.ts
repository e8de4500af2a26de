import type Docker from "dockerode";
import { DockerCallError } from "../docker/docker-host.js";
import type { ResourceRole } from "../domain/link.js";
import { describeError } from "../errors.js";
import {
  AmbassadorRefused,
  type AmbassadorRequest,
  type RunnerOptions,
  type RunningAmbassador,
  runAmbassador,
} from "./ambassador-runner.js";
import type { Attempt } from "./attempt.js";
import { labelKeys } from "./labels.js";
import type { AmbassadorMode } from "./types.js";

/** An image that speaks the handshake and carries mTLS links. */
export const encryptingImage = "ambassador-bot/ambassador:latest";

/** The label our ambassador image carries: it reports its mode and readiness, and can run kernel and tls. */
export const handshakeLabel = "io.ambassador.handshake";

const cannotEncrypt = (image: string) =>
  `the image ${image} cannot carry encrypted links (it does not report an ambassador mode); link with --plaintext, or set AMBASSADOR_IMAGE to ${encryptingImage}`;
const cannotKernel = (image: string) =>
  `the image ${image} does not report an ambassador mode, so it cannot run in kernel mode`;

/** What of an image's configuration, or a container's (which holds its image's labels), names the program. */
interface ProgramSigns {
  Labels?: Record<string, string> | null;
  Entrypoint?: string | string[] | null;
}

/**
 * Whether an image, or a container of it, speaks our handshake, from its own configuration (our label, or our
 * entrypoint): a foreign image (the seed's) goes straight to relay instead of being waited for.
 */
export function speaksHandshake(config: ProgramSigns | undefined): boolean {
  const entrypoint = [config?.Entrypoint ?? []].flat().join(" ");
  return config?.Labels?.[handshakeLabel] === "1" || /(^|\/)ambassador( |$)/.test(entrypoint);
}

/** An ambassador to run, before the launcher adds its image and labels. */
export type AmbassadorSpec = Omit<AmbassadorRequest, "image" | "labels">;

/** The pino-compatible subset the engine logs through. */
export interface EngineLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

function refusedKernel(error: unknown): boolean {
  return (
    error instanceof AmbassadorRefused ||
    (error instanceof DockerCallError && !error.unreachable && error.statusCode !== 404)
  );
}

/**
 * Runs ambassadors in the wanted mode, or the fastest a host permits (kernel, else relay), and remembers the
 * hosts and images that allow only relay so later links go there at once.
 */
export class AmbassadorLauncher {
  readonly #relayOnly = new Set<string>();

  constructor(
    readonly image: string,
    private readonly runner: Omit<RunnerOptions, "signal">,
    private readonly logger?: EngineLogger,
  ) {}

  async launch(
    request: AmbassadorSpec,
    labels: Record<string, string>,
    wantedMode: AmbassadorMode | undefined,
    attempt: Attempt,
    role: ResourceRole,
    /** The image's configuration on that host, as the build's image check read it. */
    imageConfig: Docker.ImageInspectInfo,
  ): Promise<RunningAmbassador> {
    const key = `${request.host.name}\u0000${this.image}`;
    const ours = speaksHandshake(imageConfig.Config);
    if (!ours && wantedMode === "tls") throw new AmbassadorRefused(cannotEncrypt(this.image));
    if (!ours && wantedMode === "kernel") throw new AmbassadorRefused(cannotKernel(this.image));
    const modes: AmbassadorMode[] = wantedMode
      ? [wantedMode]
      : this.#relayOnly.has(key) || !ours
        ? ["relay"]
        : ["kernel", "relay"];
    const runner = ours ? this.runner : { ...this.runner, handshakeMs: 0 };
    const cluster = request.host.name;
    const onCreated = (made: { id: string; name: string }) =>
      attempt.track({ cluster, kind: "container", role, id: made.id, name: made.name });
    const onRemoved = (made: { id: string }) => attempt.untrack(cluster, made.id);
    let lastError: unknown;
    // With a fallback to try, the container that ends up running is not known until it forwards.
    const onStarted = modes.length === 1 && ours ? request.onStarted : undefined;
    for (const mode of modes) {
      const full = {
        ...request,
        // Only our image sets firewall rules; another (the seed's socat ambassador) is given no capability.
        netAdmin: ours && request.netAdmin,
        onStarted,
        image: this.image,
        labels: { ...labels, [labelKeys.mode]: mode },
      };
      let running: RunningAmbassador;
      try {
        running = await runAmbassador(
          full,
          mode,
          { ...runner, signal: attempt.signal },
          onCreated,
          onRemoved,
        );
      } catch (error) {
        lastError = error;
        if (mode === "kernel" && !wantedMode && refusedKernel(error)) {
          this.#relayOnly.add(key);
          this.logger?.warn(
            { cluster, err: describeError(error) },
            "kernel mode refused; falling back to relay",
          );
          continue;
        }
        throw error;
      }
      if (mode === "tls" && !running.handshake) {
        await request.host.removeContainer(running.id, running.name);
        onRemoved(running);
        throw new AmbassadorRefused(cannotEncrypt(this.image));
      }
      if (mode === "kernel" && !running.handshake) {
        await request.host.removeContainer(running.id, running.name);
        onRemoved(running);
        if (wantedMode === "kernel") {
          throw new AmbassadorRefused(cannotKernel(this.image));
        }
        // An image without our handshake (the seed's socat ambassador): it relays, and needs no NET_ADMIN.
        this.#relayOnly.add(key);
        continue;
      }
      return { ...running, mode: running.handshake ? mode : "relay" };
    }
    throw lastError;
  }
}
