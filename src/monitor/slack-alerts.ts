import type { webApi } from "@slack/bolt";
import type { AlertSink } from "./link-monitor.js";

/** Posts alerts with chat.postMessage; the WebClient waits out Slack's Retry-After on HTTP 429 and tries again. */
export function createSlackAlerts(client: webApi.WebClient): AlertSink {
  return {
    async post(channel, text) {
      await client.chat.postMessage({ channel, text, unfurl_links: false });
    },
  };
}
