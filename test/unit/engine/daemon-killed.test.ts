import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "local", user: "tester" } };

describe("a repair after a host's daemon was killed", () => {
  it("keeps the web URL and the source's port, though Docker still lists them on the dead containers", async () => {
    const lab = memoryEngine({ deadlines: { handshake: 50 } });
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);

    lab.b.killDaemon();
    const onB = await lab.engine.repair(made.link.id, context);
    expect(onB.webUrls).toEqual(made.webUrls);

    lab.a.killDaemon();
    // Its restart policy is the person's business: started again by hand.
    lab.a.restart("app");
    const onA = await lab.engine.repair(made.link.id, context);
    expect(onA.connections).toEqual(made.connections);
    expect(onA.webUrls).toEqual(made.webUrls);
  });
});
