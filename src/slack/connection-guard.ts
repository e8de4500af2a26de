import type { Server, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** The open connections of one server, capped, and closed on shutdown once their grace is over. */
export interface ConnectionGuard {
  /** Marks the response's connection as answering a request until the response is done. */
  answering(res: ServerResponse): void;
  /**
   * Runs `stop` (which closes the server) and closes the connections that keep it from finishing: idle ones at
   * once, those not answering a request after `graceMs`, every one after `hardMs`.
   */
  stop(stop: () => Promise<void>, graceMs: number, hardMs: number): Promise<void>;
  readonly open: number;
}

/**
 * Caps the server's open connections at `max`. Past the cap the oldest connection that is not answering a
 * request is closed (idle, or still sending headers or a body), so held connections cannot lock out Slack or
 * a health check; Node's own `maxConnections` would refuse the newcomer instead.
 */
export function guardConnections(server: Server, max: number, onEvict: () => void): ConnectionGuard {
  // Insertion order is age order: the first entry not answering is the one to close.
  const sockets = new Map<Socket, { answering: number }>();
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { answering: 0 });
    socket.once("close", () => sockets.delete(socket));
    if (sockets.size <= max) return;
    let victim = socket;
    for (const [candidate, state] of sockets) {
      if (state.answering === 0) {
        victim = candidate;
        break;
      }
    }
    onEvict();
    victim.destroy();
  });
  const closeWhere = (keep: (answering: number) => boolean) => {
    for (const [socket, state] of sockets) if (!keep(state.answering)) socket.destroy();
  };
  return {
    answering(res) {
      const state = sockets.get(res.socket as Socket);
      if (!state) return;
      state.answering += 1;
      res.once("close", () => {
        state.answering -= 1;
      });
    },
    async stop(stop, graceMs, hardMs) {
      const closed = stop();
      server.closeIdleConnections();
      const lingering = setTimeout(() => closeWhere((answering) => answering > 0), graceMs);
      const hard = setTimeout(() => closeWhere(() => false), hardMs);
      try {
        await closed;
      } finally {
        clearTimeout(lingering);
        clearTimeout(hard);
      }
    },
    get open() {
      return sockets.size;
    },
  };
}
