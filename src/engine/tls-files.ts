import { pack } from "tar-stream";
import type { KeyPair } from "../domain/pki.js";

/** Where the archive is unpacked: the ambassador finds its files in `/run/ambassador/tls`. */
export const tlsArchiveRoot = "/run";

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
