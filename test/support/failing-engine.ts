import type { Engine } from "../../src/engine/types.js";

/** The engine given, except that one call rejects with `error`, as a bug or a lost connection would make it. */
export function engineFailingOn(engine: Engine, method: Exclude<keyof Engine, "find">, error: Error): Engine {
  const delegate: Engine = {
    link: (...args) => engine.link(...args),
    ports: (...args) => engine.ports(...args),
    stagedPorts: (...args) => engine.stagedPorts(...args),
    stagedList: (...args) => engine.stagedList(...args),
    stagedProbe: (...args) => engine.stagedProbe(...args),
    stop: () => engine.stop(),
    find: (...args) => engine.find(...args),
    teardown: (...args) => engine.teardown(...args),
    list: (...args) => engine.list(...args),
    reconcile: (...args) => engine.reconcile(...args),
    repair: (...args) => engine.repair(...args),
  };
  return {
    ...delegate,
    [method]: async () => {
      throw error;
    },
  };
}
