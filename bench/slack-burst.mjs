// Slack's side of a burst, in a process of its own so that sending 50 requests costs the bot's event loop
// nothing, as when Slack sends them from its own machines. Reads {"url", "requests": [{"body", "headers"}]}
// on stdin, opens one kept-alive connection per request first (as a proxy in front of the bot holds them; a GET of
// /healthz each), then posts every request at once and prints [{"status", "text", "elapsedMs"}] in the same
// order, each timed from its write to the end of its answer. node:http, not fetch: fetch's own work per request
// on this machine's two cores would be counted as the bot's.
import http from "node:http";

const input = JSON.parse(await new Response(process.stdin).text());
const url = new URL(input.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
const target = { host: url.hostname, port: url.port, agent };

const warm = () =>
  new Promise((resolve, reject) => {
    http
      .get({ ...target, path: "/healthz" }, (res) => {
        res.resume();
        res.on("end", resolve);
      })
      .on("error", reject);
  });

const post = ({ body, headers }) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        ...target,
        path: "/slack/events",
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({ status: res.statusCode, text, elapsedMs: performance.now() - started }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });

await Promise.all(input.requests.map(warm));
const replies = await Promise.all(input.requests.map(post));
agent.destroy();
process.stdout.write(`${JSON.stringify(replies)}\n`);
