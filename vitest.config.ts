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
    // Generous: the suite must pass on a busy 2-core machine running several suites at once,
    // where a hook or an `npm ci` takes many times its usual time. A real hang still fails.
    // The limit applies to synchronous tests and hooks too (vitest checks it when they return).
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // The JSON report is what .ci/run counts.
    reporters: ["default", "json"],
    outputFile: { json: "build/test-report.json" },
  },
})
