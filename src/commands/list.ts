import { z } from "zod";
import { visibleLinks } from "./authorize.js";
import { defineCommand, stagedResult } from "./command.js";
import { linkViews } from "./link-views.js";

export const ListInput = z.object({});

export const listCommand = defineCommand({
  name: "list",
  summary: "List the links, with the live state of their containers and their health.",
  example: "list",
  schema: ListInput,
  mutating: false,
  progress: () => "Reading the links…",
  async run(_input, { services, invocation }) {
    const read = await linkViews(services, visibleLinks(invocation, services.clusters));
    return stagedResult(read, ({ views, silent }) => ({
      kind: "list",
      links: views,
      ...(silent.length ? { silent } : {}),
    }));
  },
});
