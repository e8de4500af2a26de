import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { rawRefusal } from "./raw-refusal.js";

/** Node's statuses for what it cannot read as a request, by its error's code, each with a line; any other is a 400. */
const refusals: Record<string, [string, string]> = {
  HPE_HEADER_OVERFLOW: [
    "431 Request Header Fields Too Large",
    "Request header fields too large: send fewer and shorter headers, as Slack does.",
  ],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [
    "413 Payload Too Large",
    "Payload too large: a chunk extension over the limit; send chunks without extensions.",
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    "408 Request Timeout",
    "Request timeout: the request did not come whole in time; send it at once, as Slack does.",
  ],
};
const unreadable: [string, string] = [
  "400 Bad Request",
  "Bad request: bytes that are not an HTTP/1.1 request the bot can read; send requests as Slack does.",
];

/** How long the answers to the requests before them are waited for; then the connection is refused all the same. */
const answerWaitMs = 5_000;

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  /** Its answer's `finish` came: written whole, and the connection free for what follows (not merely ended). */
  answered: boolean;
}

/**
 * Bytes a connection sends that cannot be read as a request (past the length a body announced, say) close it with
 * Node's refusal, but only once every request before them that was read whole has its answer: Node would send the
 * refusal in an answer's place, and a command that ran would read as refused. What cannot be read of a request
 * still coming (its headers, its body) is refused at once, as Node does; as Node does, nothing is written while an
 * answer is half sent, and the connection reads nothing more once refused.
 */
export function answerBeforeRefusing(server: Server): void {
  const exchanges = new WeakMap<Socket, Exchange[]>();
  const refusing = new WeakSet<Socket>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as Socket;
    const list = exchanges.get(socket) ?? [];
    exchanges.set(socket, list);
    const exchange = { req, res, answered: false };
    list.push(exchange);
    res.once("finish", () => {
      exchange.answered = true;
    });
    res.once("close", () => {
      exchange.answered = true;
      list.splice(list.indexOf(exchange), 1);
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    // Node's parser fails again on every later read: the first failure is the one answered.
    if (refusing.has(socket)) return;
    refusing.add(socket);
    socket.pause();
    const refusal = rawRefusal(...(refusals[error.code ?? ""] ?? unreadable));
    const refuse = () => {
      const halfSent = (exchanges.get(socket) ?? []).some((e) => e.res.headersSent && !e.answered);
      if (socket.writable && !halfSent) socket.write(refusal);
      socket.destroy();
    };
    const waiting = (exchanges.get(socket) ?? []).filter((e) => e.req.complete && !e.answered);
    if (waiting.length === 0) return refuse();
    const timer = setTimeout(refuse, answerWaitMs);
    timer.unref();
    void Promise.all(waiting.map((e) => new Promise((done) => e.res.once("close", done)))).then(() => {
      clearTimeout(timer);
      refuse();
    });
  });
}
