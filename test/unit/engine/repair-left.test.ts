import { describe, expect, it } from "vitest";
import { labelKeys } from "../../../src/engine/labels.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { renderText } from "../../../src/render/text.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "local", user: "op" } };

describe("a repair whose replaced container its host would not remove", () => {
  it("names it as left, not removed, and the next repair removes it", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", {}, context);
    const id = made.link.id;
    lab.b.stop("app-ambassador");
    lab.b.failOn("remove container", { statusCode: 500, reason: "device or resource busy" });
    const result = await lab.engine.repair(id, context);
    expect(result.status).toBe("repaired");
    expect(result.replaced).toEqual([]);
    expect(result.left).toEqual([expect.objectContaining({ cluster: "clusterb", name: "app-ambassador" })]);
    const text = renderText({ kind: "repair", result });
    expect(text).toContain(
      `could not remove the replaced app-ambassador on clusterb (clusterb: remove container (container app-ambassador): device or resource busy); run \`repair ${id}\` again to remove it`,
    );
    expect(text).not.toContain("removed the replaced");
    const targets = () => lab.b.listContainers([`${labelKeys.role}=target`]);
    expect(await targets()).toHaveLength(2);
    const again = await lab.engine.repair(id, context);
    expect(again.cleared).toEqual([expect.objectContaining({ cluster: "clusterb", name: "app-ambassador" })]);
    expect(await targets()).toHaveLength(1);
  });
});
