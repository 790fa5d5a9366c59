#!/usr/bin/env bash
# Checks that the README's first command works on a fresh machine of this
# kind: the Rust toolchain, gcc, pkg-config, Python 3 and Debian's
# libjpeg62-turbo-dev, and nothing else. cmake and nasm are hidden from
# PATH (stubs that fail loudly stand in front of them), then assay is built
# and the demo is run.
#
#   scripts/check-fresh-build.sh                 # a clean clone of HEAD, release build
#   scripts/check-fresh-build.sh --in-place      # this checkout (CI: already a fresh clone)
#   scripts/check-fresh-build.sh --profile dev   # debug build (CI: shares the test build)
#
# Prints the decoder the binary uses (`assay --version`) and the demo's
# closing lines; exits non-zero when the build or the demo fails.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=release
in_place=false
while [ $# -gt 0 ]; do
  case "$1" in
    --in-place) in_place=true ;;
    --profile) profile="$2"; shift ;;
    *) echo "usage: $0 [--in-place] [--profile release|dev]" >&2; exit 2 ;;
  esac
  shift
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# Stubs that stand in for the tools a fresh machine lacks.
mkdir -p "$scratch/hidden"
for tool in cmake nasm; do
  printf '#!/bin/sh\necho "%s is hidden by check-fresh-build.sh: the build must not need it" >&2\nexit 127\n' "$tool" \
    > "$scratch/hidden/$tool"
  chmod +x "$scratch/hidden/$tool"
done
export PATH="$scratch/hidden:$PATH"

if $in_place; then
  repo=$PWD
else
  repo="$scratch/clone"
  git clone --quiet --no-hardlinks "$PWD" "$repo"
  export CARGO_TARGET_DIR="$scratch/target"
fi
cd "$repo"

if [ "$profile" = release ]; then
  cargo_profile=(--release)
else
  cargo_profile=()
fi
echo "check-fresh-build: building ($profile) with cmake and nasm hidden" >&2
cargo build "${cargo_profile[@]}" --bin assay
version=$(cargo run -q "${cargo_profile[@]}" --bin assay -- --version)
echo "$version"
# This kind of machine has Debian's libjpeg62-turbo-dev: the build must use it.
grep -q "JPEG: system libjpeg" <<<"$version" || {
  echo "check-fresh-build: the binary does not decode JPEG through the system libjpeg" >&2
  exit 1
}
echo "check-fresh-build: running the demo" >&2
cargo run -q "${cargo_profile[@]}" --bin assay -- demo "$scratch/demo" > "$scratch/demo.log"
tail -n 4 "$scratch/demo.log"
test -s "$scratch/demo/report.html"
echo "check-fresh-build: ok"
