import type Docker from "dockerode";
import { pack } from "tar-stream";
import type { DockerHost } from "../docker/docker-host.js";
import type { KeyPair } from "../domain/pki.js";

/** Where the archive is unpacked: the ambassador finds its files in `/run/ambassador/tls`. */
export const tlsArchiveRoot = "/run";

/** The label of an ambassador image that takes its TLS files on standard input (`stdin`). */
export const tlsFilesLabel = "io.ambassador.tls-files";

/** How an ambassador is given its TLS files, and what its container and entrypoint need for that. */
export interface TlsDelivery {
  env: string[];
  /** Created with its standard input open until the first writer closes it. */
  stdin: boolean;
  give(
    host: DockerHost,
    container: { id: string; name: string },
    archive: Buffer,
    signal?: AbortSignal,
  ): Promise<void>;
}

/**
 * On standard input for an image that says it takes them there: no copy through the Engine's archive upload, which
 * starts a process of its own on the host for each. Else (an image of an older ambassador) as an archive upload.
 */
export function tlsDeliveryFor(image: Docker.ImageInspectInfo): TlsDelivery {
  if (image.Config?.Labels?.[tlsFilesLabel] === "stdin") {
    return {
      env: ["AMBASSADOR_TLS_FILES=stdin"],
      stdin: true,
      give: (host, container, archive, signal) =>
        host.writeStdin(container.id, container.name, archive, { signal }),
    };
  }
  return {
    env: [],
    stdin: false,
    give: (host, container, archive, signal) =>
      host.putArchive(container.id, container.name, tlsArchiveRoot, archive, { signal }),
  };
}

/**
 * A tar archive of `ambassador/tls/ca.pem` and `ambassador/tls/cert.pem` (the certificate followed by its key, as HAProxy
 * and socat both read it), then the empty `ambassador/tls/complete`, readable by their owner only, to unpack at
 * `tlsArchiveRoot`.
 */
export async function tlsArchive(ca: string, pair: KeyPair): Promise<Buffer> {
  const archive = pack();
  const chunks: Buffer[] = [];
  archive.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on("end", resolve);
    archive.on("error", reject);
  });
  archive.entry({ name: "ambassador", type: "directory", mode: 0o700 });
  archive.entry({ name: "ambassador/tls", type: "directory", mode: 0o700 });
  for (const [name, body] of [
    ["ca.pem", ca],
    ["cert.pem", `${pair.cert.trimEnd()}\n${pair.key}`],
  ] as const) {
    archive.entry({ name: `ambassador/tls/${name}`, mode: 0o400 }, body);
  }
  // Last, as Docker unpacks in order: the ambassador, started meanwhile, reads the files once this is there.
  archive.entry({ name: "ambassador/tls/complete", mode: 0o400 }, "");
  archive.finalize();
  await done;
  return Buffer.concat(chunks);
}
