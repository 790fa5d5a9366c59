#!/usr/bin/env python3
"""Run CleanVision on a folder of images and save its per-file flags and scores.

Does what CleanVision's documentation shows::

    from cleanvision import Imagelab
    imagelab = Imagelab(data_path=DIR)
    imagelab.find_issues()          # all default issue types, all cores
    imagelab.issues                 # one row per image

CleanVision 0.3.x stops with an exception at the first file PIL cannot
decode (a zero-byte, truncated or non-image file), and has no issue type for
such files. When that happens this script records the error, tries each file
with CleanVision's own loader (``Image.open(f).copy()``), leaves out the ones
that fail and runs CleanVision again on the rest (``Imagelab(filepaths=...)``).
The left-out files are listed under ``excluded`` in the output, never as
CleanVision flags. ``--no-retry`` reports the crash and exits 1 instead.

``--json OUT`` writes::

    {
      "tool": "cleanvision", "version": "0.3.7", "data": "/abs/DIR",
      "wall_s": 12.3,                      # the whole run, the crash included
      "find_issues_s": 10.1,               # the successful find_issues call
      "n_jobs": null,                      # null: CleanVision's default
      "peak_rss_mib_find_issues": 150.2,   # see below
      "files": ["a.jpg", ...],             # every image CleanVision listed
      "excluded": {"error": "...", "files": ["bad.jpg", ...]} or null,
      "issue_types": ["blurry", "dark", ...],
      "issues": {"dark": [{"file": "x.jpg", "score": 0.12}, ...], ...},
      "sets": {"exact_duplicates": [["a.jpg", "b.jpg"]], "near_duplicates": [...]},
      "scores": {"a.jpg": {"dark_score": 0.7, "brightness_perc_99": 0.7, ...}, ...}
    }

``issues`` holds, per issue type, the flagged files (``is_<type>_issue``)
with CleanVision's ``<type>_score`` (lower is worse), worst first: the same
shape ``score.py`` expects from ``assay scan --json``. ``scores`` holds every
image's scores and the raw properties behind them (brightness percentiles,
blurriness, entropy, aspect ratio, size, colour space). Paths are relative to
DIR. ``--csv OUT`` writes one row per file with the flags, scores and
properties (default: next to ``--json``, same name with ``.csv``).
``--no-scores`` leaves ``scores`` empty and writes no CSV (``run.py`` uses
it: the per-image tables of a 100,000-image run take hundreds of MiB that
are this script's, not CleanVision's). ``peak_rss_mib_find_issues`` is the
largest resident set of the process or any of its pool workers when
``find_issues`` returns, before this script builds its output.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from pathlib import Path


def rel(path: str, root: str) -> str:
    """``path`` relative to ``root`` (CleanVision lists absolute paths)."""
    path = str(path)
    for prefix in ("file://",):
        if path.startswith(prefix):
            path = path[len(prefix):]
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return path


def plain(value):
    """A JSON-friendly scalar (numpy types, NaN as null)."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def unreadable_files(paths: list[str], dataset) -> list[str]:
    """The files CleanVision's loader (``Image.open(f).copy()``) fails on."""
    from PIL import Image

    bad = []
    for path in paths:
        try:
            if dataset is not None:
                dataset[path]
            else:
                with open(path, "rb") as f:
                    Image.open(f).copy()
        except Exception:  # noqa: BLE001 - whatever stops CleanVision
            bad.append(path)
    return bad


def peak_rss_mib() -> float:
    """Largest resident set so far of this process or any worker it reaped, in MiB."""
    import resource

    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def run(data: Path, n_jobs: int | None, retry: bool, with_scores: bool = True) -> dict:
    os.environ.setdefault("TQDM_DISABLE", "1")  # no progress bars on stderr
    import cleanvision
    from cleanvision import Imagelab

    root = str(data.resolve())
    start = time.perf_counter()
    lab = Imagelab(data_path=root, verbose=False)
    all_paths = list(lab._dataset.index) if hasattr(lab, "_dataset") else None
    excluded = None
    t0 = time.perf_counter()
    try:
        lab.find_issues(n_jobs=n_jobs, verbose=False)
    except Exception as exc:  # noqa: BLE001 - CleanVision raises what PIL raises
        error = f"{type(exc).__name__}: {exc}"
        print(f"CleanVision stopped: {error}", file=sys.stderr)
        if not retry or all_paths is None:
            raise
        bad = unreadable_files(all_paths, getattr(lab, "_dataset", None))
        good = [p for p in all_paths if p not in set(bad)]
        print(f"leaving out {len(bad)} file(s) its loader cannot read and running again "
              f"on {len(good)}", file=sys.stderr)
        excluded = {"error": error, "files": sorted(rel(p, root) for p in bad)}
        lab = Imagelab(filepaths=good, verbose=False)
        t0 = time.perf_counter()
        lab.find_issues(n_jobs=n_jobs, verbose=False)
    find_s = time.perf_counter() - t0
    wall = time.perf_counter() - start
    peak_find = peak_rss_mib()  # before this script builds its own output

    issues_df = lab.issues
    issue_types = sorted(c[len("is_"):-len("_issue")] for c in issues_df.columns
                         if c.startswith("is_") and c.endswith("_issue"))
    issues = {}
    for t in issue_types:
        flagged = issues_df[issues_df[f"is_{t}_issue"].astype(bool)]
        entries = [{"file": rel(p, root), "score": plain(s)}
                   for p, s in flagged[f"{t}_score"].items()]
        entries.sort(key=lambda e: (e["score"] if e["score"] is not None else -1, e["file"]))
        issues[t] = entries

    # Per-image scores plus the raw properties CleanVision keeps in ``info``.
    scores = {}
    flags = {}
    if with_scores:
        columns = issues_df.copy()
        for value in lab.info.values():
            if hasattr(value, "columns") and hasattr(value, "index"):
                extra = [c for c in value.columns if c not in columns.columns]
                if extra and set(value.index) <= set(columns.index):
                    columns = columns.join(value[extra])
        for path, row in columns.iterrows():
            scores[rel(path, root)] = {c: plain(v) for c, v in row.items()
                                       if not (c.startswith("is_") and c.endswith("_issue"))}
        flags = {rel(p, root): {t: bool(r[f"is_{t}_issue"]) for t in issue_types}
                 for p, r in issues_df.iterrows()}

    sets = {}
    for t in ("exact_duplicates", "near_duplicates"):
        info = lab.info.get(t, {})
        if isinstance(info, dict) and "sets" in info:
            sets[t] = [sorted(rel(p, root) for p in s) for s in info["sets"]]

    files = sorted(rel(p, root) for p in (all_paths or issues_df.index))
    return {
        "tool": "cleanvision", "version": cleanvision.__version__, "data": root,
        "wall_s": wall, "find_issues_s": find_s, "n_jobs": n_jobs,
        "peak_rss_mib_find_issues": peak_find,
        "files": files, "excluded": excluded, "issue_types": issue_types,
        "issues": issues, "sets": sets, "scores": scores, "_flags": flags,
    }


def write_csv(doc: dict, path: Path) -> None:
    flags = doc["_flags"]
    score_cols = sorted({c for s in doc["scores"].values() for c in s})
    flag_cols = [f"is_{t}_issue" for t in doc["issue_types"]]
    excluded = set(doc["excluded"]["files"]) if doc["excluded"] else set()
    with path.open("w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["file", "excluded", *flag_cols, *score_cols])
        for name in doc["files"]:
            fl = flags.get(name, {})
            sc = doc["scores"].get(name, {})
            writer.writerow([name, int(name in excluded),
                             *[("" if t not in fl else int(fl[t])) for t in doc["issue_types"]],
                             *["" if sc.get(c) is None else sc[c] for c in score_cols]])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="folder of images (searched recursively)")
    parser.add_argument("--json", type=Path, dest="json_out", help="write flags and scores here")
    parser.add_argument("--csv", type=Path, dest="csv_out",
                        help="per-file CSV (default: the --json path with .csv)")
    parser.add_argument("--n-jobs", type=int, default=None,
                        help="CleanVision's n_jobs (default: its own default, all cores)")
    parser.add_argument("--no-scores", action="store_true",
                        help="leave out the per-image scores (and the CSV): less memory and "
                             "time after CleanVision is done, for timing runs")
    parser.add_argument("--no-retry", action="store_true",
                        help="do not leave out unreadable files and run again after a crash")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.data.is_dir():
        sys.exit(f"not a folder: {args.data}")
    doc = run(args.data, args.n_jobs, retry=not args.no_retry, with_scores=not args.no_scores)
    counts = ", ".join(f"{t} {len(v)}" for t, v in doc["issues"].items())
    note = f"; {len(doc['excluded']['files'])} unreadable left out" if doc["excluded"] else ""
    print(f"CleanVision {doc['version']}: {len(doc['files'])} files in {doc['wall_s']:.1f} s{note}")
    print(f"flagged: {counts}")
    csv_out = args.csv_out or (args.json_out.with_suffix(".csv") if args.json_out else None)
    if args.no_scores:
        csv_out = None
    if csv_out:
        write_csv(doc, csv_out)
    doc.pop("_flags")
    if args.json_out:
        args.json_out.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"saved {args.json_out}" + (f" and {csv_out}" if csv_out else ""))
    # One summary line for run.py (wall time inside the process, what was left out).
    print(json.dumps({"tool": "cleanvision", "files": len(doc["files"]),
                      "excluded": len(doc["excluded"]["files"]) if doc["excluded"] else 0,
                      "find_issues_s": doc["find_issues_s"], "wall_s": doc["wall_s"],
                      "peak_rss_mib_find_issues": doc["peak_rss_mib_find_issues"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
