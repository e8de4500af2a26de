import type { IncomingMessage, Server, ServerResponse } from "node:http";
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

/** How a server's connections are capped. */
export interface ConnectionLimits {
  /** Open connections kept for long: past it, those held longer than `settleMs` without a request being answered go. */
  max: number;
  /** Open connections at most: past it the oldest not answering goes, however young. */
  hardMax: number;
  /** How long a new connection has to send its request before it can be closed for another. */
  settleMs: number;
}

interface Tracked {
  /** Requests handed on to be answered (signed, read whole), until their answers are done. */
  answering: number;
  /** Requests whose headers came, until their answers are done: a body on its way is no idle connection. */
  requesting: number;
  peer: string;
  openedAt: number;
}

/**
 * Caps the server's open connections. Past `max`, a connection of the peer address that holds the most, held for
 * `settleMs` with no request under way (idle, or still sending its headers), is closed, the oldest first: one client
 * holding or churning connections loses its own and cannot lock out Slack or a health check, which come from
 * elsewhere; when that peer has none such, none is closed. A burst of new connections is let in up to `hardMax`, each
 * with time to send its request: a burst of commands is answered, not cut. Past `hardMax`, the oldest not being
 * answered goes at once, of that peer first, even one whose body is still coming: a flood of slow bodies from one
 * address loses its own, not another's newcomer. Node's own `maxConnections` would refuse the newcomer instead.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  onEvict: () => void,
): ConnectionGuard {
  // Insertion order is age order: the first entry of a peer not answering is the one to close.
  const sockets = new Map<Socket, Tracked>();
  const close = (socket: Socket) => {
    sockets.delete(socket);
    socket.destroy();
  };
  const trim = () => {
    const settled = performance.now() - limits.settleMs;
    while (sockets.size > limits.max) {
      const victim = victimOf(sockets, (state) => state.openedAt <= settled && state.requesting === 0, {
        busiestOnly: true,
      });
      if (!victim) return;
      onEvict();
      close(victim);
    }
  };
  const sweep = setInterval(trim, Math.max(100, Math.min(limits.settleMs, 1_000)));
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
  server.on("connection", (socket: Socket) => {
    sockets.set(socket, {
      answering: 0,
      requesting: 0,
      peer: socket.remoteAddress ?? "",
      openedAt: performance.now(),
    });
    socket.once("close", () => sockets.delete(socket));
    if (sockets.size <= limits.max) return;
    trim();
    if (sockets.size <= limits.hardMax) return;
    onEvict();
    // Of the peer holding the most: one that had its time and sent nothing, then one whose request is still on its
    // way (a body coming a byte at a time); only then any peer's, one sending nothing first; else the newcomer.
    const settled = performance.now() - limits.settleMs;
    const waiting = (state: Tracked) => state.answering === 0 && state.requesting === 0;
    const sending = (state: Tracked) => state.answering === 0 && state.requesting > 0;
    const busiest = { busiestOnly: true };
    close(
      victimOf(sockets, (state) => waiting(state) && state.openedAt <= settled, busiest) ??
        victimOf(sockets, sending, busiest) ??
        victimOf(sockets, waiting) ??
        victimOf(sockets, (state) => state.answering === 0) ??
        socket,
    );
  });
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const state = sockets.get(req.socket as Socket);
    if (!state) return;
    state.requesting += 1;
    res.once("close", () => {
      state.requesting -= 1;
    });
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
      clearInterval(sweep);
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
 * The connection to close: of those `may` allows, the oldest of the peer holding the most connections, else (unless
 * `busiestOnly`) the oldest of any peer; none when there is none such.
 */
function victimOf(
  sockets: Map<Socket, Tracked>,
  may: (state: Tracked) => boolean,
  options: { busiestOnly?: boolean } = {},
): Socket | undefined {
  const perPeer = new Map<string, number>();
  for (const { peer } of sockets.values()) perPeer.set(peer, (perPeer.get(peer) ?? 0) + 1);
  let busiest = "";
  let most = 0;
  for (const [peer, count] of perPeer) {
    if (count > most) [busiest, most] = [peer, count];
  }
  let oldest: Socket | undefined;
  for (const [candidate, state] of sockets) {
    if (!may(state)) continue;
    if (state.peer === busiest) return candidate;
    if (!options.busiestOnly) oldest ??= candidate;
  }
  return oldest;
}
