import type { ServerOptions } from "node:http";

/** How much one client may hold of the bot's HTTP server: sizes, deadlines and connections. */
export const httpLimits = {
  /** Slack's payloads are a few kilobytes; anything bigger is refused with 413. */
  bodyBytes: 64 * 1024,
  /** From the end of the headers to the last byte of the body; past it, 408 and the socket closed. */
  bodyDeadlineMs: 10_000,
  headersTimeoutMs: 10_000,
  /** The whole request, headers and body; a backstop behind the body deadline. */
  requestTimeoutMs: 20_000,
  keepAliveTimeoutMs: 5_000,
  /**
   * Open connections kept for long; past it the oldest one held a second with no request being answered is closed,
   * of the peer address that holds the most.
   */
  maxConnections: 128,
  /** Open connections at most, for a burst: past it the oldest with no request being answered goes at once. */
  burstConnections: 1_024,
  /** How long a new connection has to send its request before it can be closed for another. */
  connectionSettleMs: 1_000,
  /**
   * On shutdown, how long running commands get to finish before the bot stops without them: a link to a host that
   * stopped answering waits out its calls' deadlines. What such a command leaves half-made carries the link's
   * labels; the next start's reconcile names it (`reconcile --fix` removes what no link owns, a link's teardown
   * what its record does not list). With the two below, the bot leaves within 8 s, inside `docker stop`'s 10 s.
   */
  shutdownWorkMs: 4_000,
  /** Then the link checks running (and a repair one started) get what is left of that and this much more. */
  shutdownChecksMs: 1_000,
  /** Then, how long connections with no request being answered may linger before they are closed. */
  shutdownGraceMs: 2_000,
  /** Then, when every connection is closed, answered or not. */
  shutdownHardMs: 3_000,
};

/** Node's own deadlines for the server, checked every second rather than Node's default thirty. */
export const serverOptions: ServerOptions = {
  headersTimeout: httpLimits.headersTimeoutMs,
  requestTimeout: httpLimits.requestTimeoutMs,
  keepAliveTimeout: httpLimits.keepAliveTimeoutMs,
  connectionsCheckingInterval: 1_000,
};
