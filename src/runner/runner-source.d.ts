// src/runner/runner.py, which the build (and vitest) loads as a string.
declare module "*.py" {
  const source: string
  export default source
}
