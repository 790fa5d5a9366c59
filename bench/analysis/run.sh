#!/usr/bin/env bash
# Slices and drift over 1,000,000 samples x 20 metrics held in memory (the
# analysis alone): builds the benchmark in release and reports its times
# and peak memory (GNU time's maximum resident set size).
#
# Usage: bench/analysis/run.sh [ROWS] [METRICS]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --release -q -p assay-analysis --example analysis_bench
bin=target/release/examples/analysis_bench
if [ -x /usr/bin/time ]; then
  /usr/bin/time -f "peak memory: %M KiB, wall %e s, CPU %U s user + %S s system" "$bin" "$@"
else
  "$bin" "$@"
  echo "(install GNU time for the peak memory)"
fi
