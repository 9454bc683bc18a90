/**
 * The machine's network settings (proxies, extra certificate authorities), for a test that
 * runs a build in an environment of its own and fetches from the npm registry: charmcraft's
 * build environment gets the host's proxy settings too.
 */
export const networkEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        /^(https?_proxy|no_proxy|HTTPS?_PROXY|NO_PROXY|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|npm_config_registry)$/.test(
          entry[0],
        ),
    ),
  )
