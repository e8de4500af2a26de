import type Docker from "dockerode";
import { DockerCallError, type DockerHost, isUnreachable } from "../docker/docker-host.js";
import { describeError, describeErrorWithoutAddress, UserError } from "../errors.js";
import type { Attempt } from "./attempt.js";

const ambassadorImageFix = "load it on that host, or set AMBASSADOR_IMAGE to an image it has";
export const webImageFix = "load it on that host or name another image with --web";

/** An image a build needs on a host, what it is for, and how to fix its absence. */
export interface WantedImage {
  image: string;
  what: "ambassador" | "web";
  fix?: string;
}

/**
 * Makes sure the images a build needs are on their host, pulling what is missing; each image checked once. Answers
 * each image's configuration, in the order asked, for what the build reads from it (ports, our handshake label).
 */
export interface ImageCheck {
  ensure(on: DockerHost, images: WantedImage[]): Promise<Docker.ImageInspectInfo[]>;
}

/** Causes that mean the registry was never reached, as Go's network errors end. */
const networkCause =
  /(i\/o timeout|connection refused|connection reset by peer|network is unreachable|no route to host|TLS handshake timeout|context deadline exceeded|Client\.Timeout exceeded[^:)]*)\)?$/;

/**
 * A pull's failure as a user reads it. Docker's "Get "https://registry/v2/": dial tcp: lookup …: i/o timeout"
 * becomes "the registry registry did not answer: i/o timeout", and a lookup that finds no such host "the registry
 * registry does not resolve (no such host)". A registry that answered (x509, unauthorized, 503, pull access denied)
 * is quoted as Docker said it.
 */
export function pullFailure(reason: string): string {
  const registry = /\b(?:Get|Head) "https?:\/\/([^/"]+)[^"]*": /.exec(reason)?.[1];
  if (!registry) return reason;
  if (/: no such host$/.test(reason)) return `the registry ${registry} does not resolve (no such host)`;
  const cause = networkCause.exec(reason)?.[1];
  return cause ? `the registry ${registry} did not answer: ${cause}` : reason;
}

async function ensureImage(
  on: DockerHost,
  image: string,
  what: string,
  fix: string,
  signal: AbortSignal,
): Promise<Docker.ImageInspectInfo> {
  const present = await on.inspectImage(image, { signal });
  if (present) return present;
  try {
    await on.pullImage(image, { signal });
    const pulled = await on.inspectImage(image, { signal });
    if (pulled) return pulled;
    throw new Error("the pull ended but the image is not there");
  } catch (error) {
    if (
      isUnreachable(error) &&
      !(error instanceof DockerCallError && /no answer within/.test(error.reason))
    ) {
      throw error;
    }
    const say = (reason: string) =>
      `The ${what} image ${image} is not on ${on.name} and could not be pulled (${reason}); ${fix}.`;
    throw new UserError(
      "image-missing",
      say(error instanceof DockerCallError ? pullFailure(error.reason) : describeError(error)),
      say(
        error instanceof DockerCallError
          ? pullFailure(error.reasonWithoutAddress)
          : describeErrorWithoutAddress(error),
      ),
    );
  }
}

export function createImageCheck(attempt: Attempt): ImageCheck {
  const checked = new Map<string, Promise<Docker.ImageInspectInfo>>();
  const key = (on: DockerHost, image: string) => `${on.name}\u0000${image}`;
  return {
    ensure(on, images) {
      const fresh = images.filter((wanted) => !checked.has(key(on, wanted.image)));
      if (fresh.length) {
        // A host's images are checked at once: one round trip, not one per image.
        const step = attempt.step(
          "check images",
          on.name,
          async (signal) => {
            const inspected = await Promise.all(
              fresh.map(({ image, what, fix = ambassadorImageFix }) =>
                ensureImage(on, image, what, fix, signal),
              ),
            );
            return new Map(fresh.map(({ image }, i) => [image, inspected[i] as Docker.ImageInspectInfo]));
          },
          { makesNothing: true },
        );
        for (const { image } of fresh) {
          checked.set(
            key(on, image),
            step.then((found) => found.get(image) as Docker.ImageInspectInfo),
          );
        }
      }
      return Promise.all(
        images.map((wanted) => checked.get(key(on, wanted.image)) as Promise<Docker.ImageInspectInfo>),
      );
    },
  };
}
