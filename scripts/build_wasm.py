#!/usr/bin/env python3
"""Build the browser package as wasm-pack.toml says: cargo → wasm-bindgen → wasm-opt → package.json.

Usage: scripts/build_wasm.py   (run via `make wasm`; needs wasm-bindgen on PATH and wasm-opt
in .tools/binaryen, which `make setup` installs)
"""
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*cmd: str) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main() -> None:
    config = tomllib.loads((ROOT / "wasm-pack.toml").read_text(encoding="utf-8"))
    crate_dir = ROOT / config["crate"]["path"]
    crate = tomllib.loads((crate_dir / "Cargo.toml").read_text(encoding="utf-8"))["package"]
    workspace = tomllib.loads((ROOT / "Cargo.toml").read_text(encoding="utf-8"))["workspace"]["package"]
    profile = config["crate"]["profile"]
    bindgen = config["bindgen"]
    out_dir = ROOT / bindgen["out-dir"]

    found = subprocess.run(["wasm-bindgen", "--version"], capture_output=True, text=True).stdout.split()
    if found[-1:] != [bindgen["version"]]:
        sys.exit(f"wasm-bindgen {bindgen['version']} is needed, found {' '.join(found) or 'none'}: run `make setup`")

    run("cargo", "build", "--locked", "-p", crate["name"], "--target", "wasm32-unknown-unknown", "--profile", profile)
    # Cargo builds where CARGO_TARGET_DIR says, if it is set.
    target_dir = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
    wasm = target_dir / "wasm32-unknown-unknown" / profile / (crate["name"].replace("-", "_") + ".wasm")

    if out_dir.exists():
        shutil.rmtree(out_dir)
    run("wasm-bindgen", "--target", bindgen["target"], "--out-dir", str(out_dir), str(wasm))

    flags = config["optimize"]["wasm-opt"]
    if flags:
        wasm_opt = ROOT / ".tools/binaryen/node_modules/.bin/wasm-opt"
        major = config["optimize"]["binaryen"].split(".")[0]
        found = subprocess.run([wasm_opt, "--version"], capture_output=True, text=True).stdout if wasm_opt.exists() else ""
        if f"version {major}" not in found:
            sys.exit(f"wasm-opt {major} is needed in {wasm_opt.relative_to(ROOT)}, found {found.strip() or 'none'}: run `make setup`")
        bg = out_dir / (wasm.stem + "_bg.wasm")
        run(str(wasm_opt), *flags, str(bg), "-o", str(bg))

    pkg = config["package"]
    for name in pkg["files"]:
        shutil.copy2(ROOT / name, out_dir / Path(name).name)
    stem = wasm.stem
    manifest = {
        "name": pkg["name"],
        "version": workspace["version"],
        "description": pkg["description"],
        "license": workspace["license"],
        "keywords": pkg["keywords"],
        "type": "module",
        "main": f"{stem}.js",
        "module": f"{stem}.js",
        "types": f"{stem}.d.ts",
        "exports": {
            ".": {"types": f"./{stem}.d.ts", "default": f"./{stem}.js"},
            "./tiaoli.js": {"types": "./tiaoli.d.ts", "default": "./tiaoli.js"},
            "./tiaoli-tagger.js": "./tiaoli-tagger.js",
            "./tiaoli-tagger.css": "./tiaoli-tagger.css",
            "./tiaoli-palette.css": "./tiaoli-palette.css",
            f"./{stem}_bg.wasm": f"./{stem}_bg.wasm",
        },
        "files": sorted(p.name for p in out_dir.iterdir() if p.name not in (".gitignore", "package.json")),
        "sideEffects": ["./tiaoli-tagger.js"],
    }
    (out_dir / "package.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (out_dir / ".gitignore").unlink(missing_ok=True)
    total = sum(p.stat().st_size for p in out_dir.iterdir())
    print(f"built {out_dir.relative_to(ROOT)} ({total} bytes)")


if __name__ == "__main__":
    main()
