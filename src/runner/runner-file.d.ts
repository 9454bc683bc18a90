// The runner as the charm installs it: the zipapp of src/runner/*.py that the build (and vitest)
// makes (scripts/runner-file.ts), as bytes.
declare module "*.pyz" {
  const bytes: Uint8Array
  export default bytes
}
