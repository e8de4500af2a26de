import { describe, expect, it } from "vitest";
import { labelKeys } from "../../../src/engine/labels.js";
import { memoryEngine } from "../../support/memory-engine.js";

const tester = { actor: { kind: "local" as const, user: "tester" } };

describe("a link whose container stops between its check and its ambassador's start", () => {
  it("says the container stopped and what to do, not Docker's refusal alone, and leaves nothing behind", async () => {
    const lab = memoryEngine();
    // `docker restart app` as the source ambassador is made: it is created Docker-linked to app, which then stops.
    const create = lab.a.createContainer.bind(lab.a);
    lab.a.createContainer = async (spec, options) => {
      const id = await create(spec, options);
      if (spec.Labels?.[labelKeys.role] === "source") lab.a.stop("app");
      return id;
    };
    const failed = lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, tester);
    await expect(failed).rejects.toThrow(
      /^Link failed at step "start source ambassador" on clustera: start container app-ambassador: app on clustera stopped or restarted while this ran, and Docker starts an ambassador linked to a running container only; once app runs \(docker start app, if it is stopped\), run it again\. Nothing of this attempt was left behind\.$/,
    );
    expect(await lab.a.listContainers([labelKeys.link])).toEqual([]);
    expect(await lab.b.listContainers([labelKeys.link])).toEqual([]);
  });
});
