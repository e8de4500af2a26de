import { createRequire, Module } from "node:module";

const require = createRequire(import.meta.url);

/**
 * Modules dockerode and docker-modem load as soon as they are imported, for paths this tool takes seldom or never:
 * gRPC and protobuf for BuildKit sessions, ssh2 for ssh:// hosts. Loading them costs a one-shot command about
 * 85 ms here, more than Node's own start. Each is given a stand-in in `require.cache` (which Node lets a program add
 * to) that loads the real module on first use, so those paths work as before and the others never pay for them.
 * A module that cannot be found where it is looked for is left alone, to load as it always did.
 */
const deferred: Array<{ from: string; id: string; kind: "object" | "function" }> = [
  { from: "dockerode", id: "@grpc/grpc-js", kind: "object" },
  { from: "dockerode", id: "@grpc/proto-loader", kind: "object" },
  // docker-modem's ssh:// agent; it reads `require("ssh2").Client` as it loads, so the agent itself waits.
  { from: "docker-modem", id: "./ssh.js", kind: "function" },
];

/** The real module at `filename`, loaded now in place of its stand-in. */
function loadReal(filename: string): unknown {
  const standIn = require.cache[filename];
  delete require.cache[filename];
  try {
    return require(filename);
  } catch (error) {
    if (standIn && !require.cache[filename]) require.cache[filename] = standIn;
    throw error;
  }
}

function standInFor(filename: string, kind: "object" | "function"): unknown {
  let real: unknown;
  const load = () => {
    real ??= loadReal(filename);
    return real as Record<PropertyKey, unknown>;
  };
  if (kind === "function") {
    return function deferred(this: unknown, ...args: unknown[]) {
      return (load() as unknown as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  return new Proxy(
    {},
    {
      get: (_, key) => load()[key],
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
}

function resolveFrom(from: string, id: string): string | undefined {
  try {
    return createRequire(require.resolve(from)).resolve(id);
  } catch {
    return undefined;
  }
}

/** Installs the stand-ins; harmless when called again or after the modules loaded. */
export function deferRarelyUsedModules(): void {
  for (const { from, id, kind } of deferred) {
    const filename = resolveFrom(from, id);
    if (!filename || require.cache[filename]) continue;
    const standIn = new Module(filename);
    standIn.filename = filename;
    standIn.loaded = true;
    standIn.exports = standInFor(filename, kind);
    require.cache[filename] = standIn;
  }
}

deferRarelyUsedModules();
