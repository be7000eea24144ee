#!/usr/bin/env bash
# Install what building and testing tiaoli needs, skipping what is already there.
# Run by `make setup` (and so by `make test`, `make wasm`, `make serve`). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm-bindgen CLI must match the wasm-bindgen crate exactly; wasm-pack.toml pins it.
bindgen_version=$(python3 -c 'import tomllib; print(tomllib.load(open("wasm-pack.toml", "rb"))["bindgen"]["version"])')

have_component() { rustup component list --installed 2>/dev/null | grep -q "^$1"; }
have_component rustfmt || rustup component add rustfmt
have_component clippy || rustup component add clippy
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  # No --locked: the registry mirror can lag behind the lock file wasm-bindgen-cli ships.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

apt_packages=()
command -v wasm-opt >/dev/null || apt_packages+=(binaryen)
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v node >/dev/null || apt_packages+=(nodejs npm)
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}"
fi

# playwright-core drives Debian's chromium; it never downloads a browser.
if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi
