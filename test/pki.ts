import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  await run("openssl", args, { cwd });
}

/** Makes `dir` a TLS client bundle (ca.pem, cert.pem, key.pem) with openssl, like the lab's bundles. */
export async function makeTlsBundle(
  dir: string,
  options: { notBefore?: string; notAfter?: string } = {},
): Promise<{ dir: string; caKey: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  await openssl(
    dir,
    "req",
    "-x509",
    ...ec,
    "-days",
    "30",
    "-subj",
    "/CN=test CA",
    "-keyout",
    "ca-key.pem",
    "-out",
    "ca.pem",
  );
  await openssl(dir, "req", ...ec, "-subj", "/CN=test client", "-keyout", "key.pem", "-out", "client.csr");
  if (options.notBefore || options.notAfter) {
    // Only `openssl ca` can set arbitrary validity dates (OpenSSL 3.0 has no x509 -not_before).
    await writeFile(
      join(dir, "ca.cnf"),
      "[ca]\ndefault_ca = test\n[test]\ndatabase = ./index.txt\nnew_certs_dir = .\nserial = ./serial\ndefault_md = sha256\npolicy = any\n[any]\ncommonName = supplied\n",
    );
    await writeFile(join(dir, "index.txt"), "");
    await writeFile(join(dir, "serial"), "01\n");
    await openssl(
      dir,
      "ca",
      "-batch",
      "-config",
      "ca.cnf",
      "-cert",
      "ca.pem",
      "-keyfile",
      "ca-key.pem",
      "-in",
      "client.csr",
      "-out",
      "cert.pem",
      "-notext",
      "-startdate",
      options.notBefore ?? "20200101000000Z",
      "-enddate",
      options.notAfter ?? "20200102000000Z",
    );
  } else {
    await openssl(
      dir,
      "x509",
      "-req",
      "-in",
      "client.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca-key.pem",
      "-CAcreateserial",
      "-days",
      "30",
      "-out",
      "cert.pem",
    );
  }
  return { dir, caKey: join(dir, "ca-key.pem") };
}
