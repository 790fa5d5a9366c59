#!/usr/bin/env bash
# kill -9 of `assay serve` during a load of POST /api/ingest on loopback,
# then the check: every acknowledged record is stored exactly once, and
# sending everything again completes the stream without duplicates.
#
#   scripts/kill-ingest.sh [RECORDS] [SECONDS_BEFORE_KILL]
#
# Uses target/release/assay (cargo build --release first) and a fresh
# project in a temporary folder; prints the counts and exits 1 on a loss
# or a duplicate.
set -euo pipefail
records=${1:-1000000}
after=${2:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
assay="$root/target/release/assay"
work=$(mktemp -d)
server=
trap 'kill -9 $server $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
"$assay" init "$work/p" >/dev/null
serve() { "$assay" serve --project "$work/p" --port "$port" >"$work/serve.log" 2>&1 & server=$!; }
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/api/overview" && return; sleep 0.1; done; echo "server did not start" >&2; exit 1; }

serve; wait_up
python3 "$root/scripts/load-ingest.py" --url "http://127.0.0.1:$port" --records "$records" \
    --acked "$work/acked.txt" >"$work/first.json" 2>"$work/first.err" &
load=$!
sleep "$after"
kill -9 "$server"
wait "$load" || true
acked=$(sort -u "$work/acked.txt" | wc -l)

serve; wait_up
stored_ids() { sqlite3 "$work/p/.assay/project.db" "SELECT record_id FROM monitor_records" 2>/dev/null \
    || python3 -c "import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute('SELECT record_id FROM monitor_records')]" "$work/p/.assay/project.db"; }
stored_ids | sort >"$work/stored.txt"
stored=$(wc -l <"$work/stored.txt")
distinct=$(sort -u "$work/stored.txt" | wc -l)
lost=$(sort -u "$work/acked.txt" | comm -23 - "$work/stored.txt" | wc -l)
echo "killed after ${after} s: ${acked} records acknowledged, ${stored} stored (${distinct} distinct), ${lost} acknowledged but lost"

python3 "$root/scripts/load-ingest.py" --url "http://127.0.0.1:$port" --records "$records" >"$work/again.json" 2>"$work/again.err"
stored_ids | sort >"$work/stored.txt"
total=$(wc -l <"$work/stored.txt")
distinct_total=$(sort -u "$work/stored.txt" | wc -l)
echo "sent everything again: ${total} stored, ${distinct_total} distinct (expected ${records})"
[ "$lost" -eq 0 ] && [ "$stored" -eq "$distinct" ] && [ "$total" -eq "$records" ] && [ "$distinct_total" -eq "$records" ]
