#!/usr/bin/env python3
"""Node and npm for charmcraft's build environment, where neither exists yet.

The Node 24 runtime package that package-lock.json pins for this machine (with its integrity
hash), and npm at the version pinned below, from the npm registry: each tarball is checked
against its sha512 before anything of it runs. Writes <dest>/bin/node and <dest>/bin/npm.
Python, because it is the one interpreter an Ubuntu build environment has.
"""
import base64
import hashlib
import io
import json
import os
import platform
import sys
import tarfile
import urllib.request

# The npm that runs `npm ci` in the build (package.json's devEngines asks >= 11.6.2).
NPM_VERSION = "11.19.1"
NPM_INTEGRITY = "sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g=="

REGISTRY = (os.environ.get("NPM_CONFIG_REGISTRY") or os.environ.get("npm_config_registry") or "https://registry.npmjs.org").rstrip("/")
CPU = {"x86_64": "x64", "aarch64": "arm64"}


def fetch(name, version, integrity):
    """The package's tarball, opened, once its hash is the pinned one."""
    url = f"{REGISTRY}/{name}/-/{name}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=300) as response:
        data = response.read()
    algorithm, expected = integrity.split("-", 1)
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        sys.exit(f"craft-bootstrap: {url}: {algorithm} {actual}, pinned {expected}")
    return tarfile.open(fileobj=io.BytesIO(data), mode="r:gz")


def main(dest):
    machine = platform.machine()
    if machine not in CPU:
        sys.exit(f"craft-bootstrap: no Node runtime package for {machine}")
    name = f"node-linux-{CPU[machine]}"
    with open("package-lock.json", encoding="utf-8") as lock:
        pinned = json.load(lock)["packages"][f"node_modules/{name}"]
    os.makedirs(f"{dest}/bin", exist_ok=True)
    with fetch(name, pinned["version"], pinned["integrity"]) as runtime:
        with runtime.extractfile("package/bin/node") as source, open(f"{dest}/bin/node", "wb") as target:
            target.write(source.read())
    os.chmod(f"{dest}/bin/node", 0o755)
    with fetch("npm", NPM_VERSION, NPM_INTEGRITY) as npm:
        # Python 3.12 (and the 3.10 and 3.11 security releases) can refuse odd members.
        safe = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}
        npm.extractall(f"{dest}/npm", **safe)
    with open(f"{dest}/bin/npm", "w", encoding="utf-8") as wrapper:
        wrapper.write(f'#!/bin/sh\nexec "{dest}/bin/node" "{dest}/npm/package/bin/npm-cli.js" "$@"\n')
    os.chmod(f"{dest}/bin/npm", 0o755)
    print(f"craft-bootstrap: node {pinned['version']} and npm {NPM_VERSION} in {dest}/bin")


if __name__ == "__main__":
    main(os.path.abspath(sys.argv[1]))
