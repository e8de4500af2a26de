import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import * as format from "../../../src/render/format.js";
import type { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

const context: RequestContext = { actor: { kind: "local", user: "tester" } };
const linkLabel = "io.ambassador.link";

/** Two bots, each with a store of its own, over the same two hosts (staging and production, say). */
function twoBots() {
  const first = memoryEngine({ deadlines: { handshake: 50 } });
  const second = memoryEngine({ deadlines: { handshake: 50 }, hosts: first });
  return { a: first.a, b: first.b, first, second };
}

async function labelledNames(host: MemoryDockerHost): Promise<string[]> {
  const containers = await host.listContainers([linkLabel]);
  const networks = await host.listNetworks([linkLabel]);
  return [...containers.map((c) => c.Names.join(",")), ...networks.map((n) => n.Name)].sort();
}

describe("two bots whose stores share hosts", () => {
  it("label what they make with their store, and reconcile --fix leaves the other's links alone", async () => {
    const lab = twoBots();
    const made = await lab.first.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const [web] = await lab.b.listContainers([`${linkLabel}=${made.link.id}`, "io.ambassador.role=web"]);
    expect(web?.Labels["io.ambassador.store"]).toBe(lab.first.links.storeId);
    const before = { a: await labelledNames(lab.a), b: await labelledNames(lab.b) };

    const result = await lab.second.engine.reconcile({ fix: true });
    expect(result.orphans).toEqual([]);
    expect(result.removed).toBe(0);
    expect(result.otherStores).toBe(before.a.length + before.b.length);
    expect(format.reconcileLines(result, true, "").join("\n")).toContain(
      `left alone: ${result.otherStores} objects of links another bot's store keeps`,
    );
    expect({ a: await labelledNames(lab.a), b: await labelledNames(lab.b) }).toEqual(before);

    // Its own store's reconcile still finds an object of its own that no link owns.
    await lab.first.links.remove(made.link.id);
    const own = await lab.first.engine.reconcile({ fix: true });
    expect(own.orphans.length).toBe(before.a.length + before.b.length);
    expect(own.otherStores).toBe(0);
    expect(await labelledNames(lab.a)).toEqual([]);
    expect(await labelledNames(lab.b)).toEqual([]);
  });

  it("teardown takes no object on the link's label alone when it names another store", async () => {
    const lab = twoBots();
    const made = await lab.first.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
    const id = made.link.id;
    lab.b.run({ name: "userdb", Image: "hello-app", Labels: { [linkLabel]: id } });
    lab.b.run({
      name: "theirs",
      Image: "hello-app",
      Labels: { [linkLabel]: id, "io.ambassador.store": lab.second.links.storeId as string },
    });

    const torn = await lab.first.engine.teardown(id, context);
    expect(torn.status).toBe("removed");
    expect(await labelledNames(lab.a)).toEqual([]);
    // An object that names no store is taken as the link's own, as objects made before stores named themselves are.
    expect(await labelledNames(lab.b)).toEqual(["/theirs"]);
  });
});
