// The layers of src/, lowest first: a module may import from its own layer and the ones below it, never above.
const layers = [
  { name: "base", paths: ["^src/(errors|deadlines|logger)\\.ts$", "^src/domain/"] },
  { name: "docker", paths: ["^src/docker/"] },
  { name: "store", paths: ["^src/store/"] },
  { name: "config", paths: ["^src/config\\.ts$"] },
  { name: "engine", paths: ["^src/engine/"] },
  { name: "monitor", paths: ["^src/monitor/"] },
  { name: "commands", paths: ["^src/commands/"] },
  { name: "render", paths: ["^src/render/"] },
  { name: "front-ends", paths: ["^src/slack/", "^src/terminal/"] },
  { name: "composition", paths: ["^src/(app-context|main|cli|code-cache|hand-off|run-here)\\.ts$"] },
];

const layerRules = layers.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} may not import from a higher layer`,
  severity: "error",
  from: { path: layer.paths },
  to: { path: layers.slice(index + 1).flatMap((higher) => higher.paths) },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "no-circular",
      comment: "modules may not depend on themselves, however indirectly",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "no-circular-folders",
      // Folder scope does not see a folder and its parent: the layer rules keep src/'s own files in order.
      comment: "folders may not depend on each other in a circle",
      severity: "error",
      scope: "folder",
      from: {},
      to: { circular: true },
    },
    {
      name: "bench-not-test",
      comment: "the benchmarks stand on their own: tests may use bench, not the other way round",
      severity: "error",
      from: { path: "^bench/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "\\.test\\.ts$" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
