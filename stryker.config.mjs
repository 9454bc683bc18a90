// Mutation testing of the rules (src/domain) and the programs (src/programs) against the unit
// tests: `npm run mutate` (CONTRIBUTING.md, docs/mutation.md).
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  mutate: ["src/domain/**/*.ts", "src/programs/**/*.ts"],
  // The unit tests alone: no process, no disk, so a mutant's run takes a second, not minutes.
  testFiles: ["test/unit/**/*.test.ts"],
  // A mutant of a module-level constant needs every test file reloaded: slow, and what those
  // constants hold (names, tables) the docs and e2e tests pin anyway.
  ignoreStatic: true,
  // Two cores, shared: one test runner. `--concurrency 2` on a machine of your own.
  concurrency: 1,
  // Stryker rewrites tsconfig.json's `extends`/`references` through TypeScript's JavaScript API,
  // which TypeScript 7 does not have; this project has neither to rewrite, and a file that does
  // not exist makes Stryker skip the step.
  tsconfigFile: "no-tsconfig-for-stryker.json",
  // Not copied into the sandbox: the unit tests read none of them.
  ignorePatterns: ["build", "coverage", "*.charm"],
  reporters: ["clear-text", "progress", "html", "json"],
  // Each survivor with the tests that ran on it, then the score per file; not every test.
  clearTextReporter: { reportTests: false },
}
