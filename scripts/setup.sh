#!/usr/bin/env bash
# Install what building and testing tiaoli needs, skipping what is already there.
# Run by `make setup` (and so by `make test`, `make wasm`, `make serve`). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# wasm-pack.toml pins the wasm-bindgen CLI (it must match the crate exactly) and binaryen.
setting() { python3 -c "import tomllib; print(tomllib.load(open('wasm-pack.toml', 'rb'))$1)"; }
bindgen_version=$(setting '["bindgen"]["version"]')
binaryen_version=$(setting '["optimize"]["binaryen"]')

have_component() { rustup component list --installed 2>/dev/null | grep -q "^$1"; }
have_component rustfmt || rustup component add rustfmt
have_component clippy || rustup component add clippy
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

if [ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $bindgen_version" ]; then
  # No --locked: the registry mirror can lag behind the lock file wasm-bindgen-cli ships.
  cargo install wasm-bindgen-cli --version "$bindgen_version"
fi

# cargo-fuzz for `make fuzz` (libFuzzer; scripts/fuzz.sh runs it on stable with RUSTC_BOOTSTRAP=1).
cargo_fuzz_version=0.13.1
if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $cargo_fuzz_version" ]; then
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

apt_packages=()
command -v chromium >/dev/null || apt_packages+=(chromium)
command -v node >/dev/null || apt_packages+=(nodejs npm)
# A CJK font, so screenshots of the page show Chinese rather than boxes.
fc-list 2>/dev/null | grep -qi 'wqy\|noto.*cjk' || apt_packages+=(fonts-wqy-microhei)
if [ ${#apt_packages[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_packages[@]}"
fi

# wasm-opt, from npm's binaryen (a wasm build: no native toolchain, no download at run time).
if [ "$(.tools/binaryen/node_modules/.bin/wasm-opt --version 2>/dev/null)" != "wasm-opt version ${binaryen_version%%.*} (version_${binaryen_version%%.*})" ]; then
  npm install --prefix .tools/binaryen --no-audit --no-fund --no-save "binaryen@$binaryen_version"
fi

# playwright-core drives Debian's chromium; it never downloads a browser.
if [ ! -d tests/browser/node_modules/playwright-core ] || [ tests/browser/package-lock.json -nt tests/browser/node_modules ]; then
  npm ci --prefix tests/browser --no-audit --no-fund
fi
