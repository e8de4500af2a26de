import {
  AuthorizationError,
  type ReceiverProcessEventErrorHandlerArgs,
  type ReceiverUnhandledRequestHandlerArgs,
} from "@slack/bolt";
import type { Logger } from "../logger.js";

/**
 * What the HTTP receiver does when Bolt fails on a request, or no listener acks one: as Bolt's own handlers (401 for
 * a failed authorisation, 500 for any other failure, 404 for a request not acked in time), but logged once, at error
 * level, with the error itself; Bolt logs only that something failed, the error at debug level, and then that the
 * request it answered with a 500 was not acknowledged.
 */
export function boltFailureHandlers(log: Logger) {
  return {
    processEventErrorHandler: async ({ error, response }: ReceiverProcessEventErrorHandlerArgs) => {
      if (response.headersSent) {
        log.error({ err: error }, "a listener failed after its request was acknowledged");
        return false;
      }
      if (error instanceof AuthorizationError) {
        response.writeHead(401).end();
        return true;
      }
      log.error({ err: error }, "Bolt failed on a request; answered 500");
      response.writeHead(500).end();
      return false;
    },
    unhandledRequestHandler: ({ response }: ReceiverUnhandledRequestHandlerArgs) => {
      if (response.headersSent || response.destroyed) return;
      log.error("no listener acknowledged a request within 3 seconds; answered 404");
      response.writeHead(404).end();
    },
  };
}
