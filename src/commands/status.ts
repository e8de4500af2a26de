import { z } from "zod";
import { defineCommand } from "./command.js";
import { findView, linkViews } from "./link-views.js";
import { linkIdOrContainer } from "./values.js";

export const StatusInput = z.object({ linkId: linkIdOrContainer });

export const statusCommand = defineCommand({
  name: "status",
  summary:
    "Show one link: the live state of each of its containers, its health, since when, and the last check.",
  example: "status 3f9a2c1b7e40",
  positionals: [{ name: "link-id" }],
  options: [],
  schema: StatusInput,
  mutating: false,
  progress: (input) => `Looking at link ${input.linkId}…`,
  target: (input) => input.linkId,
  async run(input, { services }) {
    return { kind: "status", view: findView(await linkViews(services), input.linkId) };
  },
});
