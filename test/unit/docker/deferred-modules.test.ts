import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const fixture = new URL("../../fixtures/deferred-modules.ts", import.meta.url).pathname;

it("the Docker client loads gRPC and ssh2 only once something uses them, and then the real ones", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", fixture]);
  expect(JSON.parse(stdout)).toEqual({
    before: [],
    server: "function",
    credentials: "function",
    afterGrpc: ["@grpc/grpc-js"],
    sshAgent: "function",
    after: expect.arrayContaining(["@grpc/grpc-js", "ssh2"]),
  });
});
