import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

const closing = (socket: Socket) => socket.destroyed || socket.writableEnded;

/** Whether a connection's request is being answered, and what it sent behind it that the listener has not had. */
interface Line {
  answering: boolean;
  queued: [IncomingMessage, ServerResponse][];
}

/**
 * A request sent on a connection behind others is handed to `listener` once those are answered, and not at all when
 * one of those answers closed the connection (a refusal, a health check). Node reads a connection's requests ahead
 * and hands each on as soon as it is read; one behind an answer that closes would run, a command with it, and its
 * answer go nowhere.
 */
export function oneAtATime(listener: Listener): Listener {
  const lines = new WeakMap<Socket, Line>();
  const take = (line: Line, socket: Socket, req: IncomingMessage, res: ServerResponse) => {
    line.answering = true;
    res.once("close", () => {
      line.answering = false;
      const next = line.queued.shift();
      if (!next) return;
      if (closing(socket)) {
        line.queued.length = 0;
        return;
      }
      take(line, socket, ...next);
    });
    listener(req, res);
  };
  return (req, res) => {
    const socket = req.socket as Socket;
    // Read after an answer that closed the connection went whole: the connection is ending, and so is this request.
    if (closing(socket)) return;
    const line = lines.get(socket) ?? { answering: false, queued: [] };
    lines.set(socket, line);
    if (line.answering) line.queued.push([req, res]);
    else take(line, socket, req, res);
  };
}
