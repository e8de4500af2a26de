import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

/** Just enough of a WebSocket server (RFC 6455, text frames) to stand in for Slack's Socket Mode endpoint. */
export interface SocketModeServer {
  url: string;
  /** Messages the bot sent, parsed from JSON. */
  received: unknown[];
  connected(): Promise<void>;
  send(message: unknown): void;
  waitFor(predicate: (message: unknown) => boolean, timeoutMs?: number): Promise<unknown>;
  close(): Promise<void>;
}

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(length));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

export async function startSocketModeServer(): Promise<SocketModeServer> {
  const received: unknown[] = [];
  const wakers = new Set<() => void>();
  let socket: Duplex | undefined;
  let onConnect: (() => void) | undefined;
  const connectedPromise = new Promise<void>((resolve) => {
    onConnect = resolve;
  });
  const server: Server = createServer((_req, res) => res.writeHead(426).end());
  server.on("upgrade", (req, sock: Duplex) => {
    const key = req.headers["sec-websocket-key"] ?? "";
    const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
    sock.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket = sock;
    let buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (buffer.length < 2) return;
        const opcode = (buffer[0] as number) & 0x0f;
        let length = (buffer[1] as number) & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        const masked = ((buffer[1] as number) & 0x80) !== 0;
        const mask = masked ? buffer.subarray(offset, offset + 4) : undefined;
        offset += masked ? 4 : 0;
        if (buffer.length < offset + length) return;
        const payload = Buffer.from(buffer.subarray(offset, offset + length));
        if (mask)
          for (let i = 0; i < payload.length; i += 1)
            payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
        buffer = buffer.subarray(offset + length);
        if (opcode === 0x1) {
          received.push(JSON.parse(payload.toString("utf8")));
          for (const wake of wakers) wake();
        } else if (opcode === 0x9) sock.write(frame(0xa, payload));
        else if (opcode === 0x8) sock.end(frame(0x8, Buffer.alloc(0)));
      }
    });
    sock.on("error", () => {});
    onConnect?.();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `ws://127.0.0.1:${port}/link`,
    received,
    connected: () => connectedPromise,
    send(message) {
      socket?.write(frame(0x1, Buffer.from(JSON.stringify(message))));
    },
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(predicate);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no matching Socket Mode message in ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 100);
          const wake = () => {
            wakers.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          wakers.add(wake);
        });
      }
    },
    async close() {
      socket?.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
