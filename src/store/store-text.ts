import type { StoreData } from "./schema.js";

/**
 * Each frozen link record's bytes in the store file, kept while the record lives. Bytes, not text: joining a
 * thousand cached strings into one and encoding it cost more than writing them, so the file is written from
 * these pieces as they are.
 */
const linkBytes = new WeakMap<object, Buffer>();
const separator = Buffer.from(",\n");

function linkChunk(link: StoreData["links"][number]): Buffer {
  let bytes = linkBytes.get(link);
  if (bytes === undefined) {
    bytes = Buffer.from(`    ${JSON.stringify(link, null, 2).replaceAll("\n", "\n    ")}`);
    if (Object.isFrozen(link)) linkBytes.set(link, bytes);
  }
  return bytes;
}

/**
 * The store's file as pieces to write in order: `JSON.stringify(data, null, 2)` plus a newline (with the links
 * last), each frozen link's bytes made once, so saving one link among a thousand encodes that link alone.
 */
export function storeChunks(data: StoreData): Buffer[] {
  const { links, ...rest } = data;
  const head = JSON.stringify(rest, null, 2);
  const open = `${head.slice(0, -2)},\n  "links": [`;
  if (links.length === 0) return [Buffer.from(`${open}]\n}\n`)];
  const chunks: Buffer[] = [Buffer.from(`${open}\n`)];
  for (const [index, link] of links.entries()) {
    if (index > 0) chunks.push(separator);
    chunks.push(linkChunk(link));
  }
  chunks.push(Buffer.from("\n  ]\n}\n"));
  return chunks;
}
