/** An IPv4 address as a 32-bit unsigned number, or undefined when `text` is no dotted quad. */
function addressNumber(text: string): number | undefined {
  const octets = text.split(".");
  if (octets.length !== 4 || !octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255)) {
    return undefined;
  }
  return octets.reduce((sum, octet) => sum * 256 + Number(octet), 0);
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join(".");
}

/**
 * The IPv4 CIDRs that cover `cidr` except the single `address`: one block per bit below the prefix, the half that does
 * not hold the address (a /16 gives 16 blocks). `cidr` whole when the address is outside it; undefined when either is
 * not IPv4.
 */
export function cidrsWithout(cidr: string, address: string): string[] | undefined {
  const [base = "", bitsText = "32"] = cidr.split("/");
  const bits = Number(bitsText);
  const start = addressNumber(base);
  const left = addressNumber(address);
  if (start === undefined || left === undefined || !/^\d{1,2}$/.test(bitsText) || bits > 32) return undefined;
  const size = 2 ** (32 - bits);
  const first = start - (start % size);
  if (left < first || left >= first + size) return [`${dotted(first)}/${bits}`];
  const blocks: string[] = [];
  for (let prefix = bits + 1; prefix <= 32; prefix++) {
    const half = 2 ** (32 - prefix);
    // The half at this depth beside the one that holds the address.
    const holding = left - (left % half);
    const other = Math.floor(left / half) % 2 === 0 ? holding + half : holding - half;
    blocks.push(`${dotted(other)}/${prefix}`);
  }
  return blocks;
}
