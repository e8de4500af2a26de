// Slack's side of a burst, in a process of its own so that sending 50 requests costs the bot's event loop
// nothing, as when Slack sends them from its own machines. Reads {"url", "requests": [{"body", "headers"}]}
// on stdin, warms its HTTP client with one GET of /healthz (Node loads fetch on first use), then posts every
// request at once and prints [{"status", "text", "elapsedMs"}] in the same order.
const input = JSON.parse(await new Response(process.stdin).text());
await (await fetch(`${input.url}/healthz`)).text();
const replies = await Promise.all(
  input.requests.map(async ({ body, headers }) => {
    const started = performance.now();
    const response = await fetch(`${input.url}/slack/events`, { method: "POST", body, headers });
    const text = await response.text();
    return { status: response.status, text, elapsedMs: performance.now() - started };
  }),
);
process.stdout.write(`${JSON.stringify(replies)}\n`);
