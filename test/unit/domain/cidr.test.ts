import { describe, expect, it } from "vitest";
import { cidrsWithout } from "../../../src/domain/cidr.js";

/** Every address a list of CIDRs covers, as numbers (for small blocks). */
function covered(cidrs: readonly string[]): Set<number> {
  const all = new Set<number>();
  for (const cidr of cidrs) {
    const [base = "", bits = "32"] = cidr.split("/");
    const start = base.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);
    for (let i = 0; i < 2 ** (32 - Number(bits)); i++) all.add(start + i);
  }
  return all;
}

const number = (address: string) => address.split(".").reduce((sum, octet) => sum * 256 + Number(octet), 0);

describe("cidrsWithout", () => {
  it("covers a Docker network's /16 but its gateway, in one block per bit", () => {
    const blocks = cidrsWithout("172.19.0.0/16", "172.19.0.1") ?? [];
    expect(blocks).toHaveLength(16);
    expect(blocks).toContain("172.19.128.0/17");
    expect(blocks).toContain("172.19.0.0/32");
    expect(blocks).toContain("172.19.0.2/31");
    const all = covered(blocks);
    expect(all.size).toBe(2 ** 16 - 1);
    expect(all.has(number("172.19.0.1"))).toBe(false);
    expect(all.has(number("172.19.0.2"))).toBe(true);
    expect(all.has(number("172.19.255.255"))).toBe(true);
    expect(all.has(number("172.20.0.0"))).toBe(false);
  });

  it("leaves out an address in the middle of a block, and nothing else", () => {
    const all = covered(cidrsWithout("10.0.0.0/24", "10.0.0.77") ?? []);
    expect(all.size).toBe(255);
    expect(all.has(number("10.0.0.77"))).toBe(false);
    expect(all.has(number("10.0.0.76"))).toBe(true);
    expect(all.has(number("10.0.0.78"))).toBe(true);
  });

  it("gives the block whole when the address is outside it, and nothing for what is not IPv4", () => {
    expect(cidrsWithout("10.1.2.0/24", "10.9.9.9")).toEqual(["10.1.2.0/24"]);
    expect(cidrsWithout("fd00::/64", "fd00::1")).toBeUndefined();
    expect(cidrsWithout("10.1.2.0/24", "fd00::1")).toBeUndefined();
    expect(cidrsWithout("10.1.2.0/33", "10.1.2.1")).toBeUndefined();
    expect(cidrsWithout("10.0.0.5/32", "10.0.0.5")).toEqual([]);
  });
});
