import { describe, expect, it } from "vitest";
import { DockerCallError } from "../../../src/docker/docker-host.js";
import { loopbackDockerHost, startLoopbackServer } from "../../loopback-server.js";

const hostAt = (url: string) => loopbackDockerHost(url, "clusterb");

describe("a pull the Engine accepts and then reports failed in its progress", () => {
  it("is the registry's answer from an Engine that answered, not an Engine out of reach", async () => {
    const said = "toomanyrequests: You have reached your pull rate limit.";
    await using engine = await startLoopbackServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.write(`${JSON.stringify({ status: "Pulling from library/web", id: "latest" })}\n`);
      response.end(`${JSON.stringify({ errorDetail: { message: said }, error: said })}\n`);
    });
    const failed = await hostAt(engine.url)
      .pullImage("web")
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(DockerCallError);
    expect((failed as DockerCallError).unreachable).toBe(false);
    expect((failed as Error).message).toBe(`clusterb: pull image (image web): ${said}`);
  });

  it("ends once the progress ends without an error", async () => {
    await using engine = await startLoopbackServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(`${JSON.stringify({ status: "Status: Downloaded newer image for web:latest" })}\n`);
    });
    await expect(hostAt(engine.url).pullImage("web")).resolves.toBeUndefined();
  });
});
