import { defineConfig } from "vitest/config";

const skipLab = process.env.AMBASSADOR_SKIP_LAB === "1";
if (skipLab) {
  const line = "!".repeat(78);
  console.warn(
    `\n${line}\n!! AMBASSADOR_SKIP_LAB=1: integration and end-to-end tests are NOT running.\n!! Only unit tests ran; nothing here proves the bot works against Docker.\n${line}\n`,
  );
}

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
        },
      },
      ...(skipLab
        ? []
        : [
            {
              test: {
                name: "integration",
                include: ["test/integration/**/*.test.ts", "test/e2e/**/*.test.ts"],
                globalSetup: ["test/lab-setup.ts"],
                testTimeout: 90_000,
                hookTimeout: 120_000,
                fileParallelism: false,
              },
            },
          ]),
    ],
  },
});
