#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, and all tests, including the
# parity tests against the Python reference implementations, which this
# script installs from PyPI into a local virtual environment (.venv).
set -euo pipefail
cd "$(dirname "$0")/.."

# The build needs only what a fresh machine of this kind has (the Rust
# toolchain, gcc, pkg-config, Debian's libjpeg62-turbo-dev). The web UI's
# browser tests (crates/assay-cli/tests/browser.rs) drive Debian's
# chromium, headless; the tracking test (crates/assay-cli/tests/tracking.rs)
# compares a run's recorded resource usage with GNU time's.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/time ] || missing+=(time)
if [ "${#missing[@]}" -gt 0 ]; then
  as_root=()
  if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi
  echo "installing ${missing[*]} (browser and resource-usage tests)" >&2
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" apt-get install -y -qq "${missing[@]}"
fi

venv=.venv
if ! command -v python3 >/dev/null 2>&1; then
  echo "error: python3 is needed to install the test oracles (pycocotools, CleanVision); the parity tests cannot run without it" >&2
  exit 1
fi
# A virtual environment left half made (an interrupted run) is made again.
if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/oracles/requirements.txt
export ASSAY_PYTHON="$PWD/$venv/bin/python"
# NannyML (the CBPE oracle) in its own environment: its dependencies clash
# with the pins above.
nannyml_venv=.venv-nannyml
if ! "$nannyml_venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$nannyml_venv"
  python3 -m venv "$nannyml_venv"
fi
"$nannyml_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/oracles/requirements-nannyml.txt
export ASSAY_NANNYML_PYTHON="$PWD/$nannyml_venv/bin/python"

# The README's first command with cmake and nasm hidden (a debug build in
# this checkout, which the tests below reuse; run the script without
# arguments for the release build in a clean clone).
./scripts/check-fresh-build.sh --in-place --profile dev

cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
log=$(mktemp)
trap 'rm -f "$log" "$log.py" "$log.ray"' EXIT
cargo test --workspace 2>&1 | tee "$log"
# The Python package (crates/assay-py): built into .venv by maturin, then
# its pytest suite against pycocotools, cleanlab and prdc themselves and
# the binary the tests above built.
VIRTUAL_ENV="$PWD/$venv" "$venv/bin/maturin" develop --quiet -m crates/assay-py/Cargo.toml
ASSAY_BIN="$PWD/target/debug/assay" "$venv/bin/python" -m pytest -q -p no:cacheprovider crates/assay-py/tests 2>&1 | tee "$log.py"
# The Ray Data recipe (recipes/ray) on a local two-worker Ray cluster, in
# its own environment: Ray's dependencies clash with the oracles' pins.
ray_venv=.venv-ray
if ! "$ray_venv/bin/python" -m pip --version >/dev/null 2>&1; then
  rm -rf "$ray_venv"
  python3 -m venv "$ray_venv"
fi
"$ray_venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/oracles/requirements-ray.txt
VIRTUAL_ENV="$PWD/$ray_venv" "$venv/bin/maturin" develop --quiet -m crates/assay-py/Cargo.toml
RAY_USAGE_STATS_ENABLED=0 "$ray_venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning crates/assay-py/tests_ray 2>&1 | tee "$log.ray"
echo "python: $(tail -n 1 "$log.py")"
echo "ray recipe: $(grep -h 'ray recipe:' "$log.ray" | sed 's/^ray recipe: //') ($(tail -n 1 "$log.ray"))"
# One closing line for the whole workspace (cargo prints one per test binary).
awk '/^test result:/ { p += $4; f += $6 } END { printf "workspace: %d passed, %d failed\n", p, f }' "$log"
