import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadSecretBox, SealError, SecretBox } from "../../../src/store/secret-box.js";

const pem =
  "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n";

describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32), "a test key");

  it("opens what it sealed", () => {
    expect(box.open(box.seal(pem, "cluster:a:tls-key"), "cluster:a:tls-key")).toBe(pem);
  });

  it("uses a fresh nonce per value and never shows the plain text", () => {
    const one = box.seal(pem, "c");
    const two = box.seal(pem, "c");
    expect(one.iv).not.toBe(two.iv);
    expect(one.data).not.toBe(two.data);
    expect(Buffer.from(one.iv, "base64")).toHaveLength(12);
    expect(JSON.stringify(one)).not.toContain("PRIVATE KEY");
    expect(Buffer.from(one.data, "base64").toString("utf8")).not.toContain("PRIVATE KEY");
  });

  function failure(run: () => unknown): SealError {
    try {
      run();
    } catch (caught) {
      expect(caught).toBeInstanceOf(SealError);
      return caught as SealError;
    }
    throw new Error("it opened");
  }

  it("says the key is wrong instead of returning garbage", () => {
    const sealed = box.seal(pem, "cluster:a:tls-key");
    const other = new SecretBox(randomBytes(32), "AMBASSADOR_KEY");
    const error = failure(() => other.open(sealed, "cluster:a:tls-key"));
    expect(error.reason).toBe("auth");
    expect(error.message).toBe("it does not open with the key from AMBASSADOR_KEY");
  });

  it("refuses a value moved to another context or altered", () => {
    const sealed = box.seal(pem, "cluster:a:tls-key");
    expect(failure(() => box.open(sealed, "cluster:b:tls-key")).reason).toBe("auth");
    const data = Buffer.from(sealed.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    expect(
      failure(() => box.open({ ...sealed, data: data.toString("base64") }, "cluster:a:tls-key")).reason,
    ).toBe("auth");
  });

  it("refuses a tag cut to 4 bytes, which GCM would otherwise accept", () => {
    const sealed = box.seal(pem, "c");
    const cut = Buffer.from(sealed.tag, "base64").subarray(0, 4).toString("base64");
    const error = failure(() => box.open({ ...sealed, tag: cut }, "c"));
    expect(error.reason).toBe("shape");
    expect(error.message).toBe("its seal's tag is 4 bytes where AES-256-GCM uses 16");
    expect(Buffer.from(sealed.tag, "base64")).toHaveLength(16);
  });

  it("refuses a nonce that is not 12 bytes, and fields that are not base64", () => {
    const sealed = box.seal(pem, "c");
    const longIv = Buffer.concat([Buffer.from(sealed.iv, "base64"), Buffer.alloc(4)]).toString("base64");
    expect(failure(() => box.open({ ...sealed, iv: longIv }, "c")).message).toBe(
      "its seal's nonce is 16 bytes where AES-256-GCM uses 12",
    );
    expect(failure(() => box.open({ ...sealed, tag: `${sealed.tag}!` }, "c")).message).toBe(
      "its seal's tag is not base64",
    );
  });
});

describe("loadSecretBox", () => {
  let dir: string;
  let storePath: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "amb-key-"));
    storePath = join(dir, "ambassador.json");
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("uses AMBASSADOR_KEY when given, and writes no file", async () => {
    const key = randomBytes(32);
    const { box, created } = await loadSecretBox({ storePath, key });
    expect(created).toBeUndefined();
    expect(box.origin).toBe("AMBASSADOR_KEY");
    expect(new SecretBox(key, "same").open(box.seal("x", "c"), "c")).toBe("x");
  });

  it("generates a 0600 key file beside the store once, then reads it", async () => {
    const first = await loadSecretBox({ storePath });
    const keyFile = join(dir, "ambassador.key");
    expect(first.created).toBe(keyFile);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(Buffer.from((await readFile(keyFile, "utf8")).trim(), "base64")).toHaveLength(32);
    const second = await loadSecretBox({ storePath });
    expect(second.created).toBeUndefined();
    expect(second.box.open(first.box.seal("secret", "c"), "c")).toBe("secret");
  });

  it("refuses to invent a key when the store already holds sealed secrets", async () => {
    await expect(loadSecretBox({ storePath }, { mustExist: true })).rejects.toThrow(
      `its key file ${join(dir, "ambassador.key")} is missing`,
    );
  });

  it("reads AMBASSADOR_KEY_FILE and refuses one other users can read", async () => {
    const keyFile = join(dir, "elsewhere.key");
    await writeFile(keyFile, `${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    const { box } = await loadSecretBox({ storePath, keyFile });
    expect(box.origin).toBe(`AMBASSADOR_KEY_FILE (${keyFile})`);
    await chmod(keyFile, 0o640);
    await expect(loadSecretBox({ storePath, keyFile })).rejects.toThrow(`fix it with: chmod 600 ${keyFile}`);
  });

  it("refuses an AMBASSADOR_KEY_FILE that is a symbolic link to nothing, and writes nothing through it", async () => {
    const keyFile = join(dir, "dangling.key");
    await symlink(join(dir, "nowhere", "key"), keyFile);
    await expect(loadSecretBox({ storePath, keyFile })).rejects.toThrow(
      `AMBASSADOR_KEY_FILE (${keyFile}) is a symbolic link to nothing; point it at the store's key file`,
    );
    expect((await readdir(dir)).sort()).toEqual(["dangling.key"]);
  });

  it("gives two processes that make a missing AMBASSADOR_KEY_FILE at once the same key, the first one's", async () => {
    const keyFile = join(dir, "raced.key");
    const loads = await Promise.all(Array.from({ length: 8 }, () => loadSecretBox({ storePath, keyFile })));
    expect(loads.filter((load) => load.created === keyFile)).toHaveLength(1);
    const sealed = (loads[0] as (typeof loads)[number]).box.seal("secret", "c");
    for (const load of loads) expect(load.box.open(sealed, "c")).toBe("secret");
    expect((await readdir(dir)).filter((name) => name.includes("raced"))).toEqual(["raced.key"]);
  });

  it("generates a missing AMBASSADOR_KEY_FILE for a store with no secrets, and refuses one that holds no key", async () => {
    const keyFile = join(dir, "missing.key");
    await expect(loadSecretBox({ storePath, keyFile }, { mustExist: true })).rejects.toThrow(
      `AMBASSADOR_KEY_FILE (${keyFile}) does not exist, and the store ${storePath} holds encrypted secrets; point it at the store's key file`,
    );
    const generated = await loadSecretBox({ storePath, keyFile });
    expect(generated.created).toBe(keyFile);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect((await loadSecretBox({ storePath, keyFile }, { mustExist: true })).created).toBeUndefined();
    await rm(keyFile);
    await writeFile(keyFile, "not a key\n", { mode: 0o600 });
    await expect(loadSecretBox({ storePath, keyFile })).rejects.toThrow(
      "does not hold a 32-byte key in base64",
    );
  });
});
