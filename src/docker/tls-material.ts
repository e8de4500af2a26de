import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { readUserFile } from "./user-files.js";

/** PEM texts of a TLS client bundle; the key is plain text here, so keep it in memory only. */
export interface TlsMaterial {
  ca: string;
  cert: string;
  key: string;
}

/** Reads ca.pem, cert.pem and key.pem from a folder; each missing or unreadable file is named. */
export async function readTlsFolder(dir: string): Promise<TlsMaterial> {
  const [ca, cert, key] = await Promise.all(
    ["ca.pem", "cert.pem", "key.pem"].map((file) => readUserFile(join(dir, file), "the TLS file")),
  );
  return { ca: ca as string, cert: cert as string, key: key as string };
}

function certificate(pem: string, file: string): X509Certificate {
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new UserError("bad-certificate", `${file} holds no PEM certificate`);
  }
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new UserError(
      "bad-certificate",
      `${file} is not a valid certificate (${(error as Error).message})`,
    );
  }
}

function checkDates(cert: X509Certificate, file: string, now: Date): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now > to) {
    throw new UserError(
      "expired-certificate",
      `${file} expired on ${to.toISOString()}; get a fresh credentials bundle for this host`,
    );
  }
  if (now < from) {
    throw new UserError(
      "certificate-not-yet-valid",
      `${file} is not valid before ${from.toISOString()}; check this machine's clock or the bundle`,
    );
  }
}

/**
 * Checks a bundle before anything is saved: the CA and client certificate parse and are within their dates,
 * and key.pem is the private key of cert.pem. `files` names the files in messages.
 */
export function checkTlsMaterial(
  material: TlsMaterial,
  files: { ca: string; cert: string; key: string },
  now = new Date(),
): void {
  const ca = certificate(material.ca, files.ca);
  const cert = certificate(material.cert, files.cert);
  let key: KeyObject;
  if (/ENCRYPTED/.test(material.key)) {
    throw new UserError(
      "bad-key",
      `${files.key} is protected by a passphrase; decrypt it first (openssl pkey -in KEY)`,
    );
  }
  try {
    key = createPrivateKey(material.key);
  } catch {
    throw new UserError("bad-key", `${files.key} holds no valid PEM private key`);
  }
  if (!cert.checkPrivateKey(key)) {
    throw new UserError(
      "key-mismatch",
      `${files.cert} and ${files.key} do not match: the key is not the certificate's private key`,
    );
  }
  checkDates(ca, files.ca, now);
  checkDates(cert, files.cert, now);
}
