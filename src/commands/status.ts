import { z } from "zod";
import { LinkRef } from "../domain/values.js";
import { UserError } from "../errors.js";
import { findAuthorised } from "./authorize.js";
import { defineCommand, stagedResult } from "./command.js";
import { linkViews } from "./link-views.js";

export const StatusInput = z.object({ linkId: LinkRef });

export const statusCommand = defineCommand({
  name: "status",
  summary:
    "Show one link: the live state of each of its containers, its health, since when, and the last check.",
  example: "status 3f9a2c1b7e40",
  positionals: [{ name: "link-id" }],
  schema: StatusInput,
  mutating: false,
  progress: (input) => `Looking at link ${input.linkId}…`,
  target: (input) => input.linkId,
  linkOf: (input) => input.linkId,
  async run(input, { services, invocation }) {
    const link = findAuthorised(services, invocation, input.linkId);
    return stagedResult(await linkViews(services, { ids: [link.id] }), ({ views, silent }) => {
      const view = views.find((candidate) => candidate.link.id === link.id);
      if (!view) throw new UserError("link-not-found", `Link ${link.id} was torn down.`);
      // Only the link's own clusters were asked: those that did not answer are its own.
      return { kind: "status", view, ...(silent.length ? { silent } : {}) };
    });
  },
});
