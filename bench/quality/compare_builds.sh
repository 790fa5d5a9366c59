#!/bin/bash
# Interleaved before/after timing of `assay scan DIR --json` with two builds
# of assay (old, new, old, new, ... after one untimed warm-up run of each),
# and a check that both give the same output.
# Usage (defaults below; override with env vars):
#   OLD=old/target/release/assay NEW=target/release/assay DATA=/tmp/scale5k/images \
#     REPEAT=5 bench/quality/compare_builds.sh
# Measures each run as bench/quality/run.py does: wall clock around the process,
# user+sys CPU and ru_maxrss from wait4 (the process and any reaped children).
set -euo pipefail
OLD=${OLD:?set OLD to the assay binary to compare against}
NEW=${NEW:-target/release/assay}
DATA=${DATA:-/tmp/scale5k/images}
REPEAT=${REPEAT:-5}
OUTDIR=${OUTDIR:-/tmp/compare-builds-out}
JSON_OUT=${JSON_OUT:-/tmp/compare-builds.json}
PY=${PY:-python3}
mkdir -p "$OUTDIR"
for b in "$OLD" "$NEW"; do [ -x "$b" ] || { echo "missing binary $b" >&2; exit 1; }; done
[ -d "$DATA" ] || { echo "missing data folder $DATA" >&2; exit 1; }
echo "uptime before: $(uptime)"
echo "old: $OLD ($("$OLD" --version 2>&1 | tr '\n' ' '))"
echo "new: $NEW ($("$NEW" --version 2>&1 | tr '\n' ' '))"
exec "$PY" - "$OLD" "$NEW" "$DATA" "$REPEAT" "$OUTDIR" "$JSON_OUT" <<'PYEOF'
import hashlib, json, os, statistics, subprocess, sys, time
old, new, data, repeat, outdir, json_out = sys.argv[1:]
repeat = int(repeat)
bins = {"old": old, "new": new}
n_images = sum(1 for e in os.scandir(data) if e.is_file())

def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

def version(path):
    r = subprocess.run([path, "--version"], capture_output=True, text=True)
    return (r.stdout + r.stderr).strip()

def measure(label, tag):
    out_path = os.path.join(outdir, f"{label}-{tag}.json")
    err_path = os.path.join(outdir, f"{label}-{tag}.stderr")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen([bins[label], "scan", data, "--json"], stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    run = {"label": label, "tag": tag, "wall_s": wall, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
           "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": ru.ru_maxrss / 1024,
           "returncode": rc, "output": out_path, "loadavg_1m": os.getloadavg()[0]}
    print(f"  {label} {tag:>6}: wall {wall:7.2f} s  cpu {run['cpu_s']:7.2f} s "
          f"(user {ru.ru_utime:.2f} sys {ru.ru_stime:.2f})  rss {run['peak_rss_mib']:6.1f} MiB  rc {rc}",
          flush=True)
    if rc != 0:
        sys.exit(f"{label} failed (rc {rc}); see {err_path}")
    return run

def issues_of(path):
    """(counts, {issue_type: sorted flagged paths}) from `assay scan --json`: `counts` is a dict,
    `issues` a list of {issue_type, count, flagged: [{path, score, detail}], groups} (a dict of
    lists of {file|path} is accepted too)."""
    doc = json.load(open(path))
    counts = doc.get("counts")
    issues = doc.get("issues") or []
    items = issues.items() if isinstance(issues, dict) else (
        (i.get("issue_type"), i.get("flagged", [])) for i in issues)
    flagged = {}
    for k, v in items:
        flagged[k] = sorted(str(x.get("path", x.get("file"))) if isinstance(x, dict) else str(x) for x in v)
    return counts, flagged

load_before = os.getloadavg()
print(f"{n_images} files in {data}; {repeat} timed runs each, interleaved old/new; "
      f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}", flush=True)
print("warm-up (untimed for the table):", flush=True)
warm = [measure("old", "warm"), measure("new", "warm")]
runs = []
for i in range(1, repeat + 1):
    for label in ("old", "new"):
        runs.append(measure(label, f"r{i}"))
load_after = os.getloadavg()

summary = {}
for label in ("old", "new"):
    rs = [r for r in runs if r["label"] == label]
    summary[label] = {
        "binary": bins[label], "sha256": sha256(bins[label]), "version": version(bins[label]),
        "wall_median_s": statistics.median(r["wall_s"] for r in rs),
        "wall_min_s": min(r["wall_s"] for r in rs), "wall_max_s": max(r["wall_s"] for r in rs),
        "cpu_median_s": statistics.median(r["cpu_s"] for r in rs),
        "cpu_min_s": min(r["cpu_s"] for r in rs), "cpu_max_s": max(r["cpu_s"] for r in rs),
        "peak_rss_max_mib": max(r["peak_rss_mib"] for r in rs),
        "peak_rss_median_mib": statistics.median(r["peak_rss_mib"] for r in rs),
    }
ratio = {k: summary["new"][k] / summary["old"][k]
         for k in ("wall_median_s", "cpu_median_s", "peak_rss_max_mib")}

# Output agreement: counts and flagged-file lists, old vs new, and each binary against its own repeats.
ref = {label: issues_of(os.path.join(outdir, f"{label}-warm.json")) for label in ("old", "new")}
problems = []
for r in runs:
    if issues_of(r["output"]) != ref[r["label"]]:
        problems.append(f"{r['label']} {r['tag']} differs from its own warm-up output")
(oc, of), (nc, nf) = ref["old"], ref["new"]
count_diff = {k: (None if oc is None else oc.get(k), None if nc is None else nc.get(k))
              for k in sorted(set(oc or {}) | set(nc or {}))
              if (oc or {}).get(k) != (nc or {}).get(k)}
file_diff = {}
for k in sorted(set(of) | set(nf)):
    a, b = set(of.get(k, [])), set(nf.get(k, []))
    if a != b:
        file_diff[k] = {"only_old": sorted(a - b), "only_new": sorted(b - a)}
agree = not count_diff and not file_diff
identical = {label: sha256(os.path.join(outdir, f"{label}-warm.json")) for label in ("old", "new")}
byte_identical = identical["old"] == identical["new"]

print()
print(f"{'binary':6s} {'wall med s':>10s} {'(min-max)':>15s} {'CPU med s':>10s} {'(min-max)':>15s} "
      f"{'peak RSS MiB':>12s} {'images/s':>9s}")
for label in ("old", "new"):
    s = summary[label]
    print(f"{label:6s} {s['wall_median_s']:10.2f} {s['wall_min_s']:7.2f}-{s['wall_max_s']:<7.2f} "
          f"{s['cpu_median_s']:10.2f} {s['cpu_min_s']:7.2f}-{s['cpu_max_s']:<7.2f} "
          f"{s['peak_rss_max_mib']:12.1f} {n_images / s['wall_median_s']:9.0f}")
print(f"{'new/old':6s} {ratio['wall_median_s']:10.3f} {'':15s} {ratio['cpu_median_s']:10.3f} {'':15s} "
      f"{ratio['peak_rss_max_mib']:12.3f}")
print(f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f}")
print("issue counts old:", json.dumps(oc, sort_keys=True))
print("issue counts new:", json.dumps(nc, sort_keys=True))
print("JSON outputs byte-identical (old vs new):", "yes" if byte_identical else "no")
if agree:
    print("outputs agree: same counts and same flagged files for every issue type")
else:
    print("OUTPUTS DIFFER: counts", json.dumps(count_diff, sort_keys=True))
    for k, d in file_diff.items():
        print(f"  {k}: only old {len(d['only_old'])} {d['only_old'][:10]}, only new {len(d['only_new'])} {d['only_new'][:10]}")
for p in problems:
    print("NOTE:", p)
doc = {"data": data, "images": n_images, "repeat": repeat, "cpus": os.cpu_count(),
       "loadavg_before": load_before, "loadavg_after": load_after, "summary": summary,
       "ratio_new_over_old": ratio, "warmup": warm, "runs": runs,
       "outputs_agree": agree, "outputs_byte_identical": byte_identical, "output_sha256": identical, "count_diff": count_diff, "file_diff": file_diff,
       "self_consistency_problems": problems}
with open(json_out, "w") as f:
    json.dump(doc, f, indent=2)
print(f"saved {json_out}; per-run outputs in {outdir}")
PYEOF
