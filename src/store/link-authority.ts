import { randomBytes, webcrypto } from "node:crypto";

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

import type * as X509 from "@peculiar/x509";
import {
  type KeyPair,
  type LinkAuthority,
  type LinkCredentials,
  linkCertificateNames,
} from "../domain/pki.js";
import type { SecretBox } from "./secret-box.js";
import type { Store } from "./store.js";

let loaded: Promise<typeof X509> | undefined;

/** The X.509 library, loaded at the first certificate: a command that issues none starts without it. */
function loadX509(): Promise<typeof X509> {
  loaded ??= (async () => {
    await import("reflect-metadata");
    const x509 = await import("@peculiar/x509");
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return loaded;
}

const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const day = 24 * 60 * 60 * 1000;
const sealContext = "authority:link-ca:key";

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString("base64").replace(/.{64}/g, "$&\n").trim()}\n-----END PRIVATE KEY-----\n`;
}

async function importPrivate(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  return webcrypto.subtle.importKey("pkcs8", der, algorithm, false, ["sign"]);
}

const serial = () =>
  randomBytes(16)
    .toString("hex")
    .replace(/^[89a-f]/, "1");

/** Where the CA lives between runs: its certificate and private key, both PEM. */
export interface AuthorityKeeper {
  load(): { cert: string; key: string } | undefined;
  /** Keeps the first CA saved; a concurrent second one is dropped. */
  save(ca: { cert: string; key: string }, createdAt: string): Promise<void>;
}

/** The CA kept in the store, its key sealed like the hosts' keys. */
export function storeAuthorityKeeper(store: Store, box: SecretBox): AuthorityKeeper {
  return {
    load() {
      const saved = store.data.authority;
      return saved && { cert: saved.cert, key: box.open(saved.key, sealContext) };
    },
    async save(ca, createdAt) {
      const key = box.seal(ca.key, sealContext);
      await store.update((data) => {
        data.authority ??= { cert: ca.cert, key, createdAt };
      });
    },
  };
}

/**
 * The bot's own CA, made at first use. It issues a certificate per link and side (one per target); each side
 * requires the other's common name, so no other link's peer is let in.
 */
export class KeptLinkAuthority implements LinkAuthority {
  #authority: Promise<{ cert: X509.X509Certificate; key: CryptoKey }> | undefined;

  constructor(
    private readonly keeper: AuthorityKeeper,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** The CA, read (or made) once: it never changes once kept. A failure is not kept, so the next link tries again. */
  private authority(): Promise<{ cert: X509.X509Certificate; key: CryptoKey }> {
    this.#authority ??= this.readAuthority().catch((error: unknown) => {
      this.#authority = undefined;
      throw error;
    });
    return this.#authority;
  }

  private async readAuthority(): Promise<{ cert: X509.X509Certificate; key: CryptoKey }> {
    const x509 = await loadX509();
    const saved = this.keeper.load();
    if (saved) return { cert: new x509.X509Certificate(saved.cert), key: await importPrivate(saved.key) };
    const keys = await keyPair();
    const now = this.clock();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: "CN=ambassador link CA",
      notBefore: new Date(now.getTime() - day),
      notAfter: new Date(now.getTime() + 10 * 365 * day),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ],
    });
    await this.keeper.save(
      { cert: cert.toString("pem"), key: await privatePem(keys.privateKey) },
      now.toISOString(),
    );
    return this.readAuthority();
  }

  async issue(linkId: string, targetNames: readonly string[]): Promise<LinkCredentials> {
    const x509 = await loadX509();
    const ca = await this.authority();
    const sourceName = linkCertificateNames(linkId).source;
    const now = this.clock();
    const leaf = async (commonName: string) => {
      const keys = await keyPair();
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${commonName}`,
        issuer: ca.cert.subject,
        notBefore: new Date(now.getTime() - day),
        // As long as the CA: a link lives until it is torn down, and teardown removes its keys with its containers.
        notAfter: ca.cert.notAfter,
        publicKey: keys.publicKey,
        signingKey: ca.key,
        signingAlgorithm: algorithm,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([
            x509.ExtendedKeyUsage.serverAuth,
            x509.ExtendedKeyUsage.clientAuth,
          ]),
        ],
      });
      return { cert: cert.toString("pem"), key: await privatePem(keys.privateKey) };
    };
    const [source, ...targets] = await Promise.all([leaf(sourceName), ...targetNames.map(leaf)]);
    return {
      ca: ca.cert.toString("pem"),
      source,
      targets: new Map(targetNames.map((name, i) => [name, targets[i] as KeyPair])),
      sourceName,
    };
  }
}
