import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStoreConfig } from "../../../src/store/store-config.js";

describe("loadStoreConfig", () => {
  it("defaults to ./data/ambassador.json with no key configured", () => {
    expect(loadStoreConfig({}, "/srv/bot")).toEqual({
      path: "/srv/bot/data/ambassador.json",
      key: undefined,
      keyFile: undefined,
    });
  });

  it("honours AMBASSADOR_STORE, AMBASSADOR_KEY and AMBASSADOR_KEY_FILE", () => {
    const key = randomBytes(32);
    const config = loadStoreConfig(
      { AMBASSADOR_STORE: "state/s.json", AMBASSADOR_KEY: key.toString("base64") },
      "/x",
    );
    expect(config.path).toBe("/x/state/s.json");
    expect(config.key?.equals(key)).toBe(true);
    expect(loadStoreConfig({ AMBASSADOR_KEY_FILE: "k" }, "/x").keyFile).toBe("/x/k");
  });

  it("names the variable when the key is not 32 bytes of base64", () => {
    expect(() => loadStoreConfig({ AMBASSADOR_KEY: randomBytes(16).toString("base64") })).toThrow(
      "AMBASSADOR_KEY: must be 32 bytes in base64 (make one with: openssl rand -base64 32)",
    );
    expect(() => loadStoreConfig({ AMBASSADOR_KEY: "not base64!" })).toThrow(/^AMBASSADOR_KEY: /);
  });

  it("says what to do with a variable set but empty, or a store named by its folder", () => {
    expect(() => loadStoreConfig({ AMBASSADOR_KEY_FILE: "" })).toThrow(
      "AMBASSADOR_KEY_FILE: is set but empty; give it a value, or unset it",
    );
    const folder = tmpdir();
    expect(() => loadStoreConfig({ AMBASSADOR_STORE: folder })).toThrow(
      `AMBASSADOR_STORE: ${folder} is a folder; name the store's file in it, such as ${join(folder, "ambassador.json")}`,
    );
  });

  it("refuses both a key and a key file", () => {
    expect(() =>
      loadStoreConfig({ AMBASSADOR_KEY: randomBytes(32).toString("base64"), AMBASSADOR_KEY_FILE: "/k" }),
    ).toThrow("set only one of AMBASSADOR_KEY and AMBASSADOR_KEY_FILE");
  });
});
