import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Node's own answers to what it cannot read as a request, by its error's code; any other is a 400. */
const refusals: Record<string, string> = {
  HPE_HEADER_OVERFLOW: "431 Request Header Fields Too Large",
  HPE_CHUNK_EXTENSIONS_OVERFLOW: "413 Payload Too Large",
  ERR_HTTP_REQUEST_TIMEOUT: "408 Request Timeout",
};

/** How long the answer to the request before them is waited for; then the connection is refused all the same. */
const answerWaitMs = 5_000;

/**
 * Bytes a connection sends that cannot be read as a request (past the length a body announced, say) close it with
 * Node's refusal, but only once the request before them, read whole and taken, has its answer: Node would send the
 * refusal in the answer's place, and a command that ran would read as refused. What cannot be read of a request
 * still coming (its headers, its body) is refused at once, as Node does.
 */
export function answerBeforeRefusing(server: Server): void {
  const taken = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket as Socket;
    taken.set(socket, { req, res });
    res.once("close", () => {
      if (taken.get(socket)?.res === res) taken.delete(socket);
    });
  });
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => {
    let refused = false;
    const refuse = () => {
      if (refused) return;
      refused = true;
      if (socket.writable)
        socket.write(
          `HTTP/1.1 ${refusals[error.code ?? ""] ?? "400 Bad Request"}\r\nConnection: close\r\n\r\n`,
        );
      socket.destroy();
    };
    const before = taken.get(socket);
    if (!before?.req.complete || before.res.writableFinished || before.res.destroyed) return refuse();
    const timer = setTimeout(refuse, answerWaitMs);
    timer.unref();
    before.res.once("close", () => {
      clearTimeout(timer);
      refuse();
    });
  });
}
