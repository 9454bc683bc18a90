import { dirname, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { runnerFile } from "./scripts/runner-file.ts"

const runnerSources = fileURLToPath(new URL("src/runner", import.meta.url))

export default defineConfig({
  // As the build bundles it (scripts/lay-out-charm.ts): the runner the charm installs, as bytes.
  plugins: [
    {
      name: "runner-file",
      resolveId: (source, importer) =>
        source.endsWith(".pyz") && importer !== undefined ? resolve(dirname(importer), source) : undefined,
      // The sources from here, not from the id: vitest's module cache asks again by the URL
      // (`/src/runner/runner.pyz`), whose directory is no path on the disk.
      load: (id) =>
        id.endsWith("/runner.pyz")
          ? `export default new Uint8Array(Buffer.from(${JSON.stringify(Buffer.from(runnerFile(runnerSources)).toString("base64"))}, "base64"))`
          : undefined,
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // Off: a module loaded from Vitest's file-system cache imports runner.pyz with its importer
    // named from the project's root (`/test/...`), so the plugin above looked in `/src/runner`
    // and every such file failed from the second run on; and a cached virtual module would
    // not follow changes to src/runner/*.py.
    fsModuleCache: false,
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
