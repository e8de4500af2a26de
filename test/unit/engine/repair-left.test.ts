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

describe("a repair that failed and could not remove what it made", () => {
  it("says to run repair again, which removes it and keeps the link, not teardown", async () => {
    const lab = memoryEngine();
    const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const id = made.link.id;
    lab.b.removeExternally(made.link.web?.name ?? "");
    lab.b.failOn("start container", { statusCode: 500, reason: "no space left on device" });
    lab.b.failOn("remove container", { statusCode: 500, reason: "device or resource busy" });
    const failed = lab.engine.repair(id, context);
    await expect(failed).rejects.toMatchObject({ code: "repair-failed" });
    const message = await failed.catch((error: Error) => error.message);
    expect(message).toMatch(
      new RegExp(
        `1 object\\(s\\) could not be removed \\(container [\\w-]+ on clusterb\\); run repair ${id} again once the host answers: it removes it and keeps the link\\.`,
      ),
    );
    expect(message).not.toContain("teardown");
    const again = await lab.engine.repair(id, context);
    expect(again.status).toBe("repaired");
    expect(again.cleared).toHaveLength(1);
    expect(lab.links.get(id)?.status).toBe("active");
  });
});
