import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import type { DockerHost } from "../../../src/docker/docker-host.js";
import { runAmbassador } from "../../../src/engine/ambassador-runner.js";
import { tlsArchive } from "../../../src/engine/tls-files.js";
import type { RequestContext } from "../../../src/engine/types.js";
import { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";
import { testAuthority } from "../../support/memory-links.js";

const context: RequestContext = { actor: { kind: "slack", team: "T1", user: "U1" }, channel: "C1" };

async function ambassador(host: MemoryDockerHost, role: "source" | "target") {
  const [found] = await host.listContainers([`io.ambassador.role=${role}`]);
  const info = found && (await host.inspectContainer(found.Id));
  if (!info) throw new Error(`no ${role} ambassador on ${host.name}`);
  return info;
}

/** A link from `app` that starts its consumer; each ambassador's configuration and the files it was given. */
async function linkedAmbassadors(lab: ReturnType<typeof memoryEngine>) {
  const made = await lab.engine.link("app", "clustera", "clusterb", { web: "hello-web" }, context);
  expect(made.link.status).toBe("active");
  return Promise.all(
    [
      [lab.a, "source"],
      [lab.b, "target"],
    ].map(async ([host, role]) => {
      const on = host as MemoryDockerHost;
      const info = await ambassador(on, role as "source" | "target");
      const archive = on.filesOf(info.Id)?.get("/run") ?? Buffer.alloc(0);
      const name = info.Name.replace(/^\//, "");
      const calls = on.calls
        .filter((call) => call.ref === name && call.outcome === "ok")
        .map((c) => c.action);
      return { info, files: await entries(archive), inputs: on.inputsOf(info.Id) ?? [], calls, archive };
    }),
  );
}

/** The entries of a tar archive, in order, with their modes and text. */
async function entries(archive: Buffer): Promise<{ name: string; mode: number; text: string }[]> {
  const found: { name: string; mode: number; text: string }[] = [];
  const reader = extract();
  reader.on("entry", (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
    stream.on("end", () => {
      found.push({ name: header.name, mode: header.mode ?? 0, text: Buffer.concat(chunks).toString() });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    reader.on("finish", () => resolve());
    reader.on("error", reject);
    reader.end(archive);
  });
  return found;
}

describe("the TLS files of an encrypted link's ambassadors", () => {
  it("go on each ambassador's standard input, once, and into none of its configuration", async () => {
    for (const { info, files, inputs, calls, archive } of await linkedAmbassadors(memoryEngine())) {
      expect(info.Config).toMatchObject({ OpenStdin: true, StdinOnce: true });
      // Written once, before the start: Docker closes such an input's connection only then, and no upload is made.
      expect(inputs).toEqual([archive]);
      expect(calls.filter((call) => call !== "follow logs")).toEqual([
        "create container",
        "write to container input",
        "start container",
      ]);
      expect(info.Config.Env).toContain("AMBASSADOR_TLS_FILES=stdin");
      expect(JSON.stringify(info)).not.toContain("PRIVATE KEY");
      expect(files.map((f) => f.name)).toEqual([
        "ambassador",
        "ambassador/tls",
        "ambassador/tls/ca.pem",
        "ambassador/tls/cert.pem",
        "ambassador/tls/complete",
      ]);
      const cert = files.find((f) => f.name === "ambassador/tls/cert.pem");
      expect(cert?.mode).toBe(0o400);
      expect(cert?.text).toMatch(/-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----/);
    }
  });

  it("are uploaded as an archive to an ambassador image that does not say it reads them on its input", async () => {
    const lab = memoryEngine();
    for (const host of [lab.a, lab.b]) {
      host.defineImage("ambassador-bot/ambassador:latest", "ambassador", {
        labels: { "io.ambassador.handshake": "1" },
      });
    }
    for (const { info, files, inputs, calls } of await linkedAmbassadors(lab)) {
      expect(info.Config.OpenStdin).toBeFalsy();
      expect(inputs).toEqual([]);
      expect(calls).toContain("copy files into container");
      expect(info.Config.Env).not.toContain("AMBASSADOR_TLS_FILES=stdin");
      expect(files.at(-1)?.name).toBe("ambassador/tls/complete");
    }
  });

  it("start an ambassador that reads them on its input only once they are written: written later, the Engine holds the connection", async () => {
    const host = new MemoryDockerHost({ latencyMs: 0, name: "clustera", advertise: "10.0.0.12" });
    const order: string[] = [];
    const slowInput: DockerHost = Object.create(host, {
      writeStdin: {
        value: async (id: string, name: string, data: Buffer) => {
          await new Promise((resolve) => setTimeout(resolve, 30));
          await host.writeStdin(id, name, data);
          order.push("input written");
        },
      },
      startContainer: {
        value: async (id: string, name: string) => {
          order.push("start");
          await host.startContainer(id, name);
        },
      },
    });
    const credentials = await testAuthority().issue("l1", ["peer"]);
    const archive = await tlsArchive(credentials.ca, credentials.source);
    const running = await runAmbassador(
      {
        host: slowInput,
        baseName: "app-ambassador",
        image: "ambassador-bot/ambassador:latest",
        env: [
          "APP_PORT_5000_TCP=tcp://app:5000",
          "AMBASSADOR_TLS_ROLE=server",
          "AMBASSADOR_TLS_PEER=peer",
          "AMBASSADOR_TLS_FILES=stdin",
        ],
        ports: [5000],
        labels: {},
        stdin: true,
        prepare: (container) => slowInput.writeStdin(container.id, container.name, archive),
      },
      "tls",
      { handshakeMs: 1_000, readyMs: 1_000 },
      () => undefined,
      () => undefined,
    );
    expect(order).toEqual(["input written", "start"]);
    expect(running).toMatchObject({ mode: "tls", handshake: true });
  });
});
