import { z } from "zod";
import { ClusterName } from "../domain/cluster.js";
import { Alias, ContainerName, GivenPorts, ImageName, NewContainerName } from "../domain/values.js";
import { visibleClusters } from "./authorize.js";
import { defineCommand } from "./command.js";
import { linkViews } from "./link-views.js";

export const LinkInput = z
  .object({
    container: ContainerName,
    sourceCluster: ClusterName,
    /** One target cluster, or several comma-separated (`clusterb,clusterc`) for one source side serving each. */
    targetCluster: z
      .string()
      .transform((text) => text.split(","))
      .pipe(z.array(ClusterName)),
    alias: Alias.optional(),
    ports: GivenPorts.optional(),
    web: ImageName.optional(),
    webName: NewContainerName.optional(),
    consumer: ContainerName.optional(),
    legacyLinks: z.boolean().optional(),
    plaintext: z.boolean().optional(),
  })
  .refine((input) => !input.targetCluster.includes(input.sourceCluster), {
    message: "the source and target clusters must be different",
    path: ["targetCluster"],
  })
  .refine((input) => input.consumer === undefined || input.web === undefined, {
    message:
      "--consumer and --web are mutually exclusive: --web starts a new consumer, --consumer links one that runs; pass one",
    path: ["consumer"],
  })
  .refine((input) => input.consumer === undefined || !input.legacyLinks, {
    message:
      "--consumer cannot be used with --legacy-links: a Docker link is set only when a container is created, and the consumer already runs; drop --legacy-links",
    path: ["consumer"],
  })
  .refine((input) => input.consumer === undefined || input.targetCluster.length === 1, {
    message:
      "--consumer links one running container on one target cluster; name a single target cluster, or use --web to start a consumer on each",
    path: ["consumer"],
  })
  .superRefine((input, context) => {
    const repeated = input.targetCluster.find((name, i) => input.targetCluster.indexOf(name) !== i);
    if (repeated) {
      context.addIssue({
        code: "custom",
        message: `${repeated} is named twice; name each target cluster once`,
        path: ["targetCluster"],
      });
    }
  })
  .refine((input) => input.webName === undefined || input.web !== undefined, {
    message: "--web-name needs --web IMAGE",
    path: ["webName"],
  });
export type LinkInput = z.infer<typeof LinkInput>;

export const linkCommand = defineCommand({
  name: "link",
  summary:
    "Connect a container on one cluster to consumers on another (or several, comma-separated: one source side serving each) through ambassadors.",
  example: "link app clustera clusterb --alias helloapp --web hello-web",
  positionals: [{ name: "container" }, { name: "source-cluster" }, { name: "target-cluster" }],
  options: [
    { name: "alias", value: "NAME", help: "name the consumer uses for the container (default: its name)" },
    {
      name: "port",
      key: "ports",
      value: "N",
      repeatable: true,
      help: "port to carry (default: every exposed port)",
    },
    { name: "web", value: "IMAGE", help: "image to run on the target cluster as the consumer" },
    { name: "web-name", value: "NAME", help: "container name for the consumer" },
    {
      name: "consumer",
      value: "NAME",
      help: "a container already running on the target cluster to connect to the link instead of --web: it reaches the container by the alias; no <ALIAS>_PORT_<p>_TCP variables, since a running container's environment cannot change; teardown disconnects it and never stops it",
    },
    { name: "legacy-links", flag: true, help: "wire with --link as the seed tutorial does" },
    {
      name: "plaintext",
      flag: true,
      help: "carry the bytes between the hosts unencrypted (still admitted from the target hosts only, where any process or container reaches it); default mTLS",
    },
  ],
  schema: LinkInput,
  mutating: true,
  clustersOf: (input) => [input.sourceCluster, ...input.targetCluster],
  progress: (input) =>
    `Linking ${input.container} from ${input.sourceCluster} to ${input.targetCluster.join(", ")}…`,
  target: (input) => `${input.container} ${input.sourceCluster}->${input.targetCluster.join(",")}`,
  async run(input, { services, invocation, begin }) {
    // Its clusters allow this channel: checked before it runs.
    begin();
    const result = await services.engine.link(
      input.container,
      input.sourceCluster,
      input.targetCluster,
      {
        alias: input.alias,
        ports: input.ports,
        web: input.web,
        webName: input.webName,
        consumer: input.consumer,
        legacyLinks: input.legacyLinks,
        plaintext: input.plaintext,
      },
      {
        actor: invocation.actor,
        channel: invocation.channel,
        // What an interrupted link left on clusters it did not name is cleared only where this channel may act.
        ...(invocation.trusted
          ? {}
          : { clusters: visibleClusters(invocation, services.clusters).visible.map((c) => c.name) }),
      },
    );
    if (!result.existing) return { kind: "link", result };
    // Asked for again: how its parts are now, and what to run when one is stopped or gone.
    const id = result.link.id;
    const view = (await linkViews(services, { ids: [id] })).now.views.find((v) => v.link.id === id);
    return { kind: "link", result, ...(view ? { view } : {}) };
  },
});
