import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const lines = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
const stages = lines.filter((line) => line.startsWith("FROM "));
const finalStage = lines.slice(lines.lastIndexOf(stages.at(-1) ?? ""));

describe("the bot's Dockerfile", () => {
  it("builds in one stage and runs from another that has no dev dependencies", () => {
    expect(stages).toHaveLength(2);
    expect(finalStage.join("\n")).toContain("npm ci --omit=dev");
    expect(finalStage.join("\n")).toContain("COPY --from=build /app/dist ./dist");
  });

  it("runs as a non-root user, keeps the store on a volume and checks /healthz", () => {
    const user = finalStage.find((line) => line.startsWith("USER "));
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^USER (root|0)\b/);
    expect(finalStage).toContain("VOLUME /data");
    expect(finalStage.join("\n")).toContain("AMBASSADOR_STORE=/data/ambassador.json");
    expect(finalStage.join("\n")).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
    expect(finalStage.at(-1)).toBe('ENTRYPOINT ["node", "--", "dist/cli.js"]');
  });

  it("carries the font the link pictures are drawn with", () => {
    expect(finalStage.join("\n")).toMatch(/apt-get install [^\n]*fonts-dejavu-core/);
  });
});
