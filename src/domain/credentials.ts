import * as Result from "effect/Result"
import { InvalidCredentials, InvalidCredentialsKey } from "./failures.ts"

/**
 * A Juju secret URI as `config-get` gives an option of `type: secret`: `secret:<id>`, or
 * `secret://<model uuid>/<id>` (ids are 20 characters of base32hex, lower case).
 */
const secretUri = /^secret:(?:\/\/[0-9a-f-]{36}\/)?([0-9a-v]{20})$/

/**
 * The `credentials` option: unset or blank means no credentials; anything else must be a
 * secret URI (checked before it is passed to `secret-get`, so that it never reads as a flag).
 */
export const parseCredentialsUri = (
  value: string | undefined,
): Result.Result<string | undefined, InvalidCredentials> => {
  if (value === undefined || value.trim() === "") return Result.succeed(undefined)
  return secretUri.test(value.trim()) ? Result.succeed(value.trim()) : Result.fail(new InvalidCredentials())
}

/**
 * `secret:<id>`, the short form `juju grant-secret` takes in the secret's own model, of a URI
 * `parseCredentialsUri` accepted: either form ends with the 20-character id.
 */
export const shortSecretUri = (uri: string): string => `secret:${uri.slice(-20)}`

/**
 * A key that may be a file name in the credentials directory: a letter or digit first, then
 * letters, digits, `.`, `_`, `-`, at most 255 bytes (Linux's NAME_MAX). Juju's own key rule
 * is narrower today; this is what keeps a key from naming another path, whatever Juju allows.
 */
const safeFileName = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/

/**
 * The files the secret's content becomes, one per key, named after it. The first key that is
 * not a safe file name stops it, named (never its value).
 */
export const credentialFiles = (
  content: Readonly<Record<string, string>>,
): Result.Result<ReadonlyMap<string, string>, InvalidCredentialsKey> => {
  const files = new Map<string, string>()
  for (const key of Object.keys(content).sort()) {
    if (!safeFileName.test(key)) return Result.fail(new InvalidCredentialsKey({ key }))
    files.set(key, content[key] as string)
  }
  return Result.succeed(files)
}
