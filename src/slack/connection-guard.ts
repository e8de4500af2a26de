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
 * Caps the server's open connections at `max`. Past the cap a connection that is not answering a request is closed
 * (idle, or still sending headers or a body): the oldest of the peer address that holds the most, so one client
 * holding or churning connections loses its own and cannot lock out Slack or a health check, which come from
 * elsewhere. Node's own `maxConnections` would refuse the newcomer instead.
 */
export function guardConnections(server: Server, max: number, onEvict: () => void): ConnectionGuard {
  // Insertion order is age order: the first entry of a peer not answering is the one to close.
  const sockets = new Map<Socket, { answering: number; peer: string }>();
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, { answering: 0, peer: socket.remoteAddress ?? "" });
    socket.once("close", () => sockets.delete(socket));
    if (sockets.size <= max) return;
    onEvict();
    victimOf(sockets, socket).destroy();
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

/**
 * The connection to close past the cap: the oldest not answering of the peer holding the most connections, else the
 * oldest not answering of any peer, else the newcomer.
 */
function victimOf(sockets: Map<Socket, { answering: number; peer: string }>, newcomer: Socket): Socket {
  // Counted only past the cap, over at most one connection more than it.
  const perPeer = new Map<string, number>();
  for (const { peer } of sockets.values()) perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1);
  let busiest = "";
  let most = 0;
  for (const [peer, count] of perPeer) {
    if (count > most) [busiest, most] = [peer, count];
  }
  let oldestIdle: Socket | undefined;
  for (const [candidate, state] of sockets) {
    if (state.answering > 0) continue;
    if (state.peer === busiest) return candidate;
    oldestIdle ??= candidate;
  }
  return oldestIdle ?? newcomer;
}
