import { describe, expect, it } from "vitest";
import { createLinkEngine } from "../../../src/engine/link-engine.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { createLogger, readableLog } from "../../../src/logger.js";
import { memoryLab } from "../../support/memory-docker.js";
import { MemoryLinks, testAuthority } from "../../support/memory-links.js";
import { rejection } from "../../support/rejection.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };

describe("a --web image that exits as soon as it starts", () => {
  it("fails the link naming the consumer, its image, exit code and last line, and leaves nothing", async () => {
    const lab = memoryLab({ latencyMs: 0 });
    lab.b.defineImage("exits-web", "exits", { exposedPorts: ["5000/tcp"] });
    const links = new MemoryLinks();
    const engine = createLinkEngine({ authority: testAuthority(), clusters: lab.clusters, links });
    const error = await rejection(engine.link("app", "clustera", "clusterb", { web: "exits-web" }, context));
    expect((error as Error).message).toBe(
      'Link failed at step "start target ambassador" on clusterb: consumer web (image exits-web) stopped as soon as it started (exit code 1), saying "fatal: no configuration at /etc/web.conf"; check that the image runs on its own (docker run --rm exits-web): a link\'s --web image must keep running. Nothing of this attempt was left behind.',
    );
    for (const host of [lab.a, lab.b]) {
      expect(await host.listContainers(["io.ambassador.link"])).toEqual([]);
      expect(await host.listNetworks(["io.ambassador.link"])).toEqual([]);
    }
    expect(links.all()).toEqual([]);
  });

  it("is said once at the terminal: the rollback that left nothing is no warning beside the error", async () => {
    const lab = memoryLab({ latencyMs: 0 });
    lab.b.defineImage("exits-web", "exits", { exposedPorts: ["5000/tcp"] });
    let printed = "";
    const logger = createLogger({
      level: "warn",
      destination: readableLog({ write: (text: string) => (printed += text) }),
    });
    const engine = createLinkEngine({
      authority: testAuthority(),
      clusters: lab.clusters,
      links: new MemoryLinks(),
      logger,
    });
    const error = await rejection(engine.link("app", "clustera", "clusterb", { web: "exits-web" }, context));
    expect((error as Error).message).toMatch(/Nothing of this attempt was left behind\.$/);
    expect(printed).toBe("");
  });
});
