// Runs inside the bench's containers on the lab hosts, with this machine's Node lent read-only:
//   sink <stream port> <http port>        socat swallows streams; a non-forking HTTP/1.0 responder answers requests
//   stream <host> <port> <bytes>          sends that many bytes with socat, prints {"seconds": …}
//   connect <count> <host:port>...        per target `count` requests, one connection each, taking the targets
//                                         in turn, in a new random order each round, so a noisy neighbour hits them
//                                         all alike; prints {"samplesMs": [[…], …]}
//   hold <count> <ms> <host:port>...      holds `count` streams open to each target at once for `ms`, sending
//   ready <host> <port> <timeout ms>      retries one request until it succeeds
//   resolve <name>                        looks the name up as a consumer does, prints {"address": …}
// Timing lives here so no process start-up is counted in a connection's latency.
import { spawn, spawnSync } from "node:child_process";
import { lookup } from "node:dns/promises";
import net from "node:net";

const [command, ...args] = process.argv.slice(1);
const body = "Hello World!\n";
const response = `HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`;

function fail(message) {
  process.stderr.write(`probe: ${message}\n`);
  process.exit(1);
}

function request(host, port, timeoutMs) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let received = "";
    const socket = net.connect({ host, port: Number(port), noDelay: true }, () => {
      socket.write(`GET / HTTP/1.0\r\nHost: ${host}\r\n\r\n`);
    });
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`no answer from ${host}:${port} in ${timeoutMs} ms`)),
    );
    socket.on("data", (chunk) => {
      received += chunk;
    });
    socket.on("end", () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      socket.destroy();
      if (received.startsWith("HTTP/1.0 200") && received.endsWith(body)) resolve(ms);
      else
        reject(new Error(`unexpected answer from ${host}:${port}: ${JSON.stringify(received.slice(0, 80))}`));
    });
    socket.on("error", reject);
  });
}

async function sink(streamPort, httpPort) {
  const socat = spawn(
    "socat",
    ["-u", "-b", "65536", `TCP-LISTEN:${streamPort},fork,reuseaddr`, "OPEN:/dev/null"],
    {
      stdio: "inherit",
    },
  );
  socat.on("exit", (code) => fail(`the stream sink exited with ${code}`));
  net
    .createServer((socket) => {
      socket.setNoDelay(true);
      socket.once("data", () => socket.end(response));
      socket.on("error", () => socket.destroy());
    })
    .listen(Number(httpPort));
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      socat.kill();
      process.exit(0);
    });
  }
}

function streamSeconds(host, port, bytes) {
  const started = process.hrtime.bigint();
  const run = spawnSync(
    "socat",
    ["-u", "-b", "65536", `OPEN:/dev/zero,readbytes=${bytes}`, `TCP:${host}:${port}`],
    { encoding: "utf8" },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) fail(`socat to ${host}:${port} exited with ${run.status}: ${run.stderr.trim()}`);
  return seconds;
}

function shuffled(length) {
  const order = [...Array(length).keys()];
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

async function connectSamples(countText, targets) {
  const count = Number(countText);
  const endpoints = targets.map((target) => {
    const colon = target.lastIndexOf(":");
    return { host: target.slice(0, colon), port: target.slice(colon + 1) };
  });
  const samplesMs = endpoints.map(() => []);
  for (let round = -Math.min(10, Math.ceil(count / 10)); round < count; round++) {
    // A new order every round: on a shared machine a connection pays for what the one before it left running
    // (the seed's chain forks two socat processes per connection, which exit after it), so a fixed cycle would
    // charge that to whichever path always follows.
    for (const index of shuffled(endpoints.length)) {
      const { host, port } = endpoints[index];
      const ms = await request(host, port, 5000);
      if (round >= 0) samplesMs[index].push(ms);
    }
  }
  return samplesMs;
}

async function hold(countText, msText, targets) {
  const sockets = [];
  const opened = [];
  for (const target of targets) {
    const colon = target.lastIndexOf(":");
    for (let i = 0; i < Number(countText); i++) {
      const socket = net.connect({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)) });
      sockets.push(socket);
      opened.push(
        new Promise((resolve, reject) => {
          socket.once("connect", resolve);
          socket.once("error", reject);
        }),
      );
    }
  }
  await Promise.all(opened);
  const chunk = Buffer.alloc(65536);
  const deadline = Date.now() + Number(msText);
  while (Date.now() < deadline) {
    for (const socket of sockets) if (!socket.writableNeedDrain) socket.write(chunk);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  for (const socket of sockets) socket.destroy();
  console.log(JSON.stringify({ held: sockets.length }));
}

async function ready(host, port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      await request(host, port, 1000);
      console.log(JSON.stringify({ ready: true }));
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  fail(`${host}:${port} did not answer within ${timeoutMs} ms: ${last?.message}`);
}

try {
  if (command === "sink") await sink(args[0], args[1]);
  else if (command === "stream")
    console.log(JSON.stringify({ seconds: streamSeconds(args[0], args[1], args[2]) }));
  else if (command === "connect")
    console.log(JSON.stringify({ samplesMs: await connectSamples(args[0], args.slice(1)) }));
  else if (command === "hold") await hold(args[0], args[1], args.slice(2));
  else if (command === "ready") await ready(args[0], Number(args[1]), Number(args[2]));
  else if (command === "resolve")
    console.log(JSON.stringify({ address: (await lookup(args[0], 4)).address }));
  else fail(`unknown command ${command}`);
} catch (error) {
  fail(error.message);
}
