import { describe, expect, it } from "vitest";
import { renderSlackMessage } from "../../../src/render/slack-message.js";
import { renderText } from "../../../src/render/text.js";
import { memoryEngine } from "../../support/memory-engine.js";

const local = { actor: { kind: "local", user: "t" } } as const;

/** A link from clustera to clusterb that starts a consumer asked to be named myweb. */
const linkAsMyweb = (lab: ReturnType<typeof memoryEngine>) =>
  lab.engine.link("app", "clustera", "clusterb", { web: "hello-web", webName: "myweb" }, local);

describe("a consumer that could not have the name asked for", () => {
  it("is started under the next free name, and the answer says so in a terminal and in Slack", async () => {
    const lab = memoryEngine();
    lab.b.run({ name: "myweb", Image: "hello-web" });
    const made = await linkAsMyweb(lab);
    expect(made.link.web?.name).toBe("myweb-2");
    const note =
      "Note: a container on clusterb is named myweb already, so the consumer there is myweb-2; pass another --web-name to choose.";
    expect(renderText({ kind: "link", result: made }).split("\n")).toContain(note);
    expect(JSON.stringify(renderSlackMessage({ kind: "link", result: made }))).toContain(note);
  });

  it("says nothing of names when the one asked for was free", async () => {
    const lab = memoryEngine();
    const made = await linkAsMyweb(lab);
    expect(made.link.web?.name).toBe("myweb");
    expect(renderText({ kind: "link", result: made })).not.toContain("Note: a container on");
  });
});
