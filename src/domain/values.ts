import { z } from "zod";

const portMessage = "must be a port number 1-65535";

/** A TCP port a link carries. */
export const Port = z.number().int(portMessage).min(1, portMessage).max(65535, portMessage);

/** A port as typed on a command line. */
export const PortText = z
  .string()
  .regex(/^\d{1,5}$/, portMessage)
  .transform(Number)
  .pipe(Port);

/**
 * The most ports one link carries: each is a published port and firewall rules on both hosts, which Docker sets up
 * and takes down one by one (on the lab, 128 ports took 10 s to tear down, near a call's 15 s deadline).
 */
export const maxLinkPorts = 64;

/** The ports to carry, as given (`--port`, the dialog's field): at most `maxLinkPorts` different ones. */
export const GivenPorts = z.array(PortText).refine((ports) => new Set(ports).size <= maxLinkPorts, {
  error: (issue) =>
    `${new Set(issue.input as number[]).size} ports were given; a link carries at most ${maxLinkPorts}: split them across links`,
});

/** A container's name or ID, as Docker accepts it. */
export const ContainerName = z
  .string()
  .max(128, "is longer than 128 characters")
  .regex(/^\/?[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a container name or ID (letters, digits, _ . -)");

/** The name consumers use for the linked container: a DNS label, so it resolves on a network and as a link. */
export const Alias = z
  .string()
  .max(63, "is longer than 63 characters")
  .regex(
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/,
    "must be letters, digits and dashes (a DNS label), starting and ending with a letter or digit",
  );

export const ImageName = z
  .string()
  .max(255, "is longer than 255 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/, "must be an image reference such as hello-web:latest");

/** What names a link: its ID, its container, its consumer or one of its ambassadors. */
export const LinkRef = z
  .string()
  .max(128, "is longer than 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be a link ID or a container name");

/** A name for a container the bot creates (no leading slash, unlike a reference). */
export const NewContainerName = z
  .string()
  .max(128, "is longer than 128 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'must be letters, digits, "_", "." and "-"');

/**
 * Orders names character by character. The names here are ASCII; `localeCompare` would load the collation tables
 * first, several milliseconds of a one-shot command's start.
 */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
