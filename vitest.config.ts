import { defineConfig } from "vitest/config"

export default defineConfig({
  // As the build bundles it (scripts/lay-out-charm.ts): the runner the charm installs, as a string.
  plugins: [
    {
      name: "python-as-text",
      transform: (code, id) => (id.endsWith(".py") ? `export default ${JSON.stringify(code)}` : undefined),
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // The JSON report is what .ci/run counts.
    reporters: ["default", "json"],
    outputFile: { json: "build/test-report.json" },
  },
})
