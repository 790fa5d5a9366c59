#!/usr/bin/env python3
"""Time assay, pycocotools and faster-coco-eval on the same COCO evaluation.

Each tool runs as its own subprocess on the same ``gt.json`` and
``dt_<iou-type>.json`` (made by ``generate.py``):

* assay:            ``ASSAY eval coco --gt GT --dt DT --iou-type T --json``
* pycocotools:      ``eval_pycocotools.py`` (COCO, loadRes, COCOeval)
* faster-coco-eval: ``eval_faster_coco_eval.py`` (COCO, loadRes, COCOeval_faster)
* assay-python:     ``eval_assay_python.py`` (``assay.coco``'s COCO, loadRes,
                    COCOeval: the Python package, installed in ``--python``)

Each prints one JSON object whose ``stats`` are the 12 summary numbers in
pycocotools' order. The wall time covers the whole process, JSON loading
included (what a user waits for); peak memory is the child's maximum
resident set size from ``wait4``. With ``--repeat N`` each tool runs N times
and the median wall time and the largest peak are reported.

Prints a table and the largest stat difference between each pair of tools.
Exits 1 if assay's stats differ from pycocotools' by more than 1e-12 (or a
tool fails); assay missing or without ``eval coco`` is reported as "not
available" and the other two still run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
TOLERANCE = 1e-12
STAT_NAMES = ["AP", "AP50", "AP75", "APs", "APm", "APl",
              "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


@dataclass
class Run:
    """One subprocess run: its wall time, peak RSS and parsed output."""

    wall_s: float
    peak_mib: float
    returncode: int
    stats: list[float] | None
    error: str | None = None


@dataclass
class ToolResult:
    """All runs of one tool and their summary."""

    tool: str
    command: list[str]
    available: bool = True
    note: str | None = None
    runs: list[Run] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.available and bool(self.runs) and all(r.error is None for r in self.runs)

    @property
    def wall_s(self) -> float | None:
        return statistics.median(r.wall_s for r in self.runs) if self.ok else None

    @property
    def peak_mib(self) -> float | None:
        return max(r.peak_mib for r in self.runs) if self.ok else None

    @property
    def stats(self) -> list[float] | None:
        return self.runs[-1].stats if self.ok else None


def measure(command: list[str]) -> Run:
    """Run ``command``; return wall time, peak RSS (wait4) and its ``stats``.

    stdout is parsed for the last line that is a JSON object with ``stats``;
    stderr goes to a temporary file and its tail is kept on failure.
    """
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
        stdout = proc.stdout.read()
        proc.stdout.close()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        err_tail = stderr.read().decode(errors="replace")[-2000:]
    peak_mib = usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux
    stats, error = None, None
    for line in reversed(stdout.decode(errors="replace").splitlines()):
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict) and isinstance(doc.get("stats"), list):
            stats = [float(s) for s in doc["stats"]]
            break
    if proc.returncode != 0:
        error = f"exit code {proc.returncode}: {err_tail.strip()[-500:]}"
    elif stats is None or len(stats) != 12:
        error = "no JSON object with 12 'stats' on stdout"
    return Run(wall, peak_mib, proc.returncode, stats, error)


def assay_available(assay: Path) -> str | None:
    """None if ``assay eval coco`` can be run, else why not."""
    if not assay.is_file() or not os.access(assay, os.X_OK):
        return f"no executable at {assay}"
    probe = subprocess.run([str(assay), "eval", "coco", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"{assay} has no 'eval coco' command"
    return None


def commands(args: argparse.Namespace, gt: Path, dt: Path) -> dict[str, list[str]]:
    """The command line of each tool, all on the same files."""
    python = [args.python, "-u"]
    common = ["--gt", str(gt), "--dt", str(dt), "--iou-type", args.iou_type]
    return {
        "assay": [str(args.assay), "eval", "coco", *common, "--json"],
        "pycocotools": [*python, str(HERE / "eval_pycocotools.py"), *common],
        "faster-coco-eval": [*python, str(HERE / "eval_faster_coco_eval.py"), *common],
        "assay-python": [*python, str(HERE / "eval_assay_python.py"), *common],
    }


def max_abs_diff(a: list[float] | None, b: list[float] | None) -> float | None:
    """Largest absolute difference between two stat lists (None if either is missing)."""
    if a is None or b is None:
        return None
    return max(abs(x - y) for x, y in zip(a, b))


def print_table(results: list[ToolResult]) -> None:
    """Tool, wall time, peak memory and how much faster assay is than each."""
    assay = next((r for r in results if r.tool == "assay"), None)
    assay_wall = assay.wall_s if assay else None
    print(f"{'tool':18s} {'wall s':>9s} {'peak MiB':>9s} {'assay speed-up':>15s}")
    for r in results:
        if not r.ok:
            reason = r.note if not r.available else (r.runs[-1].error if r.runs else "did not run")
            print(f"{r.tool:18s} {'not available' if not r.available else 'failed'}: {reason}")
            continue
        ratio = "" if r.tool == "assay" or not assay_wall else f"{r.wall_s / assay_wall:.1f}x"
        print(f"{r.tool:18s} {r.wall_s:9.2f} {r.peak_mib:9.0f} {ratio:>15s}")


def print_stats(results: list[ToolResult]) -> None:
    """The 12 stats side by side."""
    ok = [r for r in results if r.ok]
    if not ok:
        return
    print()
    print(f"{'stat':6s}" + "".join(f" {r.tool:>18s}" for r in ok))
    for i, name in enumerate(STAT_NAMES):
        print(f"{name:6s}" + "".join(f" {r.stats[i]:18.15f}" for r in ok))


def compare(results: list[ToolResult]) -> dict[str, float | None]:
    """Max abs stat difference for each pair of tools that produced stats."""
    by_name = {r.tool: r for r in results if r.ok}
    pairs = [("assay", "pycocotools"), ("assay", "faster-coco-eval"),
             ("faster-coco-eval", "pycocotools"), ("assay-python", "pycocotools")]
    diffs = {}
    print()
    for a, b in pairs:
        if a in by_name and b in by_name:
            diff = max_abs_diff(by_name[a].stats, by_name[b].stats)
            diffs[f"{a} vs {b}"] = diff
            print(f"max |stat difference| {a} vs {b}: {diff:.3g}")
    if "assay-python" in by_name and "pycocotools" in by_name:
        ratio = by_name["pycocotools"].wall_s / by_name["assay-python"].wall_s
        print(f"assay-python (assay.coco from Python) is {ratio:.1f}x faster than pycocotools")
    return diffs


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="folder with gt.json and dt_bbox.json / dt_segm.json")
    parser.add_argument("--assay", type=Path, default=REPO_ROOT / "target" / "release" / "assay",
                        help="assay binary (default: target/release/assay of this repository)")
    parser.add_argument("--iou-type", choices=["bbox", "segm"], default="bbox")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool (default 1)")
    parser.add_argument("--tools", default="assay,pycocotools,faster-coco-eval",
                        help="comma-separated subset of the tools to run")
    parser.add_argument("--python", default=sys.executable,
                        help="Python with pycocotools and faster-coco-eval (default: this one)")
    parser.add_argument("--json", type=Path, dest="json_out", help="also save the results here")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    gt, dt = args.data / "gt.json", args.data / f"dt_{args.iou_type}.json"
    for path in (gt, dt):
        if not path.is_file():
            sys.exit(f"missing {path}: make it with generate.py{' --segm' if args.iou_type == 'segm' else ''}")
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    cmds = commands(args, gt, dt)
    unknown = set(wanted) - set(cmds)
    if unknown:
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))}")

    results = [ToolResult(tool, cmds[tool]) for tool in cmds if tool in wanted]
    for result in results:
        if result.tool == "assay":
            result.note = assay_available(args.assay)
            result.available = result.note is None
            if not result.available:
                print(f"assay: not available ({result.note})", flush=True)
    print(f"{args.iou_type} evaluation of {dt} against {gt}, {args.repeat} run(s) per tool", flush=True)
    for i in range(args.repeat):
        for result in results:
            if not result.available:
                continue
            run = measure(result.command)
            result.runs.append(run)
            state = "ok" if run.error is None else f"FAILED ({run.error})"
            print(f"  [{i + 1}/{args.repeat}] {result.tool}: {run.wall_s:.2f} s, "
                  f"{run.peak_mib:.0f} MiB, {state}", flush=True)

    print()
    print_table(results)
    print_stats(results)
    diffs = compare(results)

    status = 0
    failed = [r.tool for r in results if r.available and not r.ok]
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        status = 1
    assay_vs_ref = diffs.get("assay vs pycocotools")
    if assay_vs_ref is not None and assay_vs_ref > TOLERANCE:
        print(f"FAILED: assay differs from pycocotools by {assay_vs_ref:.3g} > {TOLERANCE:g}")
        status = 1

    if args.json_out:
        doc = {
            "data": str(args.data), "iou_type": args.iou_type, "repeat": args.repeat,
            "tolerance": TOLERANCE, "max_abs_diff": diffs, "passed": status == 0,
            "tools": [{"tool": r.tool, "command": r.command, "available": r.available,
                       "note": r.note, "wall_s": r.wall_s, "peak_mib": r.peak_mib,
                       "stats": r.stats, "runs": [asdict(run) for run in r.runs]}
                      for r in results],
        }
        args.json_out.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"results saved to {args.json_out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
