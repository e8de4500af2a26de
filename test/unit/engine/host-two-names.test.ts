import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import * as format from "../../../src/render/format.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "local", user: "tester" } };
const linkLabel = "io.ambassador.link";

describe("a host registered under two names", () => {
  it("has each object no link owns named and removed once by reconcile", async () => {
    const lab = memoryEngine({ deadlines: { handshake: 50 } });
    lab.clusters.add(lab.b, {}, "clusterb-again");
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    // The store forgets the link; its objects on both hosts are left with its label.
    await lab.links.remove(made.link.id);

    const found = await lab.engine.reconcile({ fix: false });
    expect(format.reconcileLines(found, false, "")).toEqual([
      "3 orphans (made by the bot, owned by no link), 0 links missing parts.",
      `  orphan container app-ambassador on clustera (link ${made.link.id})`,
      `  orphan container app-ambassador on clusterb (link ${made.link.id})`,
      `  orphan container web on clusterb (link ${made.link.id})`,
      "`reconcile --fix` removes the orphans.",
    ]);

    const fixed = await lab.engine.reconcile({ fix: true });
    expect(fixed.removed).toBe(found.orphans.length);
    expect(await lab.a.listContainers([linkLabel])).toEqual([]);
    expect(await lab.b.listContainers([linkLabel])).toEqual([]);
  });
});
