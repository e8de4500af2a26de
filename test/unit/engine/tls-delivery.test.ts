import { extract } from "tar-stream";
import { describe, expect, it } from "vitest";
import type { RequestContext } from "../../../src/engine/types.js";
import type { MemoryDockerHost } from "../../support/memory-docker.js";
import { memoryEngine } from "../../support/memory-engine.js";

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
      const info = await ambassador(host as MemoryDockerHost, role as "source" | "target");
      const archive = (host as MemoryDockerHost).filesOf(info.Id)?.get("/run") ?? Buffer.alloc(0);
      return { info, files: await entries(archive) };
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
    for (const { info, files } of await linkedAmbassadors(memoryEngine())) {
      expect(info.Config).toMatchObject({ OpenStdin: true, StdinOnce: true });
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
    for (const { info, files } of await linkedAmbassadors(lab)) {
      expect(info.Config.OpenStdin).toBeFalsy();
      expect(info.Config.Env).not.toContain("AMBASSADOR_TLS_FILES=stdin");
      expect(files.at(-1)?.name).toBe("ambassador/tls/complete");
    }
  });
});
