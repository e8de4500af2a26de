// Compiles the CLI into dist/ (or the empty folder given as the first argument): `cli.js`, which starts the program
// and hands a command to a running bot, and `ambassador.cjs`, the rest of the program in one file, with V8's
// compiled code for it (`ambassador.cjs.<build>.cache`), so a one-shot command neither resolves hundreds of modules
// nor compiles them again. Each command then keeps the code it compiled beside it (src/code-cache.ts). The folder
// must sit where `node_modules` is found from it, as dist/ does: a few modules stay there. `npm run build` runs it.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const given = process.argv[2];
const out = resolve(root, given ?? "dist");
if (given === undefined) rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
if (readdirSync(out).length > 0) {
  console.error(`bundle: ${out} is not empty; give a new or empty folder`);
  process.exit(2);
}

const common = { platform: "node", target: "node20", logLevel: "warning", absWorkingDir: root };
// Names this build's compiled code, which V8 would otherwise take for any source of the same length.
const buildId = randomBytes(6).toString("hex");

await build({
  ...common,
  entryPoints: ["src/run-here.ts"],
  outfile: join(out, "ambassador.cjs"),
  bundle: true,
  format: "cjs",
  sourcemap: true,
  minify: true,
  keepNames: true,
  // The licences' notices go to ambassador.cjs.LEGAL.txt, which leaves the program ASCII, read the quicker.
  legalComments: "linked",
  // Loaded from node_modules as they always were: a native addon, and what dockerode and docker-modem load at once
  // but only BuildKit sessions and ssh:// hosts use, which src/docker/deferred-modules.ts gives stand-ins.
  external: ["@resvg/resvg-js", "@grpc/grpc-js", "@grpc/proto-loader", "ssh2", "docker-modem/lib/ssh.js"],
  define: { "import.meta.url": "__moduleUrl" },
  banner: {
    js: `// build ${buildId}\n"use strict";\nconst __moduleUrl = require("node:url").pathToFileURL(__filename).href;`,
  },
  plugins: [
    {
      // docker-modem's `require("./ssh")`, by its package path, so that its stand-in answers for it.
      name: "docker-modem-ssh",
      setup(b) {
        b.onResolve({ filter: /^\.\/ssh(\.js)?$/ }, (args) =>
          args.importer.includes("/docker-modem/")
            ? { path: "docker-modem/lib/ssh.js", external: true }
            : undefined,
        );
      },
    },
  ],
});

// The starter, with what hands a command to a running bot; the rest is ambassador.cjs, or, from the sources, its
// modules.
// CommonJS, as the folder's package.json says: Node starts a CommonJS program without setting up its ES module
// loader, a few milliseconds sooner for every command.
writeFileSync(join(out, "package.json"), `${JSON.stringify({ type: "commonjs" })}\n`);
await build({
  ...common,
  entryPoints: ["src/cli.ts"],
  outfile: join(out, "cli.js"),
  bundle: true,
  format: "cjs",
  external: ["./run-here.js"],
  define: { "import.meta.url": "__moduleUrl" },
  banner: { js: '"use strict";\nconst __moduleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// The compiled code every command starts from is V8's own after a run of `help` (config, store, command table) on a
// store that exists, as a user's does: the first run, which makes it, says so and is not kept. In a scratch folder,
// so no store of the user's is touched.
const scratch = mkdtempSync(join(tmpdir(), "ambassador-build-"));
const help = join(out, `ambassador.cjs.${buildId}.help.cache`);
try {
  for (const stderr of ["ignore", "inherit"]) {
    rmSync(help, { force: true });
    execFileSync(process.execPath, [join(out, "cli.js"), "help"], {
      cwd: scratch,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scratch,
        AMBASSADOR_STORE: join(scratch, "ambassador.json"),
      },
      stdio: ["ignore", "ignore", stderr],
    });
  }
  renameSync(help, join(out, `ambassador.cjs.${buildId}.cache`));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
