#!/usr/bin/env python3
"""Time ``assay scan`` and CleanVision on the same folder, with Pillow decode-only as reference.

Each runs as its own subprocess on the same folder of images:

* assay:           ``ASSAY scan DIR --json`` (its stdout is the JSON ``score.py`` reads)
* assay-decode:    ``ASSAY scan DIR --decode-only --json`` (reads and decodes every image with
                   assay's decoder, libjpeg-turbo, on all cores, and measures nothing)
* cleanvision:     ``run_cleanvision.py DIR --no-scores --json ...`` (``Imagelab(data_path=DIR).find_issues()``
                   with CleanVision's defaults: every issue type, a pool of all cores)
* decode-1proc:    ``decode_only.py DIR`` (Pillow opens and decodes every image, one process)
* decode-2proc:    ``decode_only.py DIR --procs 2`` (the same with a pool of 2)

For each: wall time (the whole process, interpreter start and imports
included: what a user waits for), images per second (image files in DIR /
wall time), CPU time (user + system of the process and the workers it
reaped, from ``wait4``: steadier than wall time on a busy machine), and
memory two ways:

* ``peak RSS``: the child's ``ru_maxrss`` from ``wait4``, the largest
  resident set of any single process of the run (Linux reports the largest
  waited-for descendant, not a sum), in MiB;
* ``peak PSS``: the largest sum of the proportional set size
  (``/proc/PID/smaps_rollup``) over the whole process tree, sampled every
  200 ms, in MiB: memory of worker pools counted once per page.

Prints a table with the speed ratio of each tool to assay (its wall time /
assay's), and assay's throughput as a share of ``assay-decode``'s (the same
decoder doing nothing else; in wall and in CPU time). assay missing (no executable, or no ``scan`` command) is reported
as "not available" and the others still run. ``--json OUT`` saves the
results; ``--outputs DIR`` keeps assay's and CleanVision's JSON there
(``assay.json``, ``cleanvision.json``) for ``score.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
from decode_only import image_files  # noqa: E402

TOOLS = ["assay", "assay-fast", "assay-decode", "cleanvision", "decode-1proc", "decode-2proc"]
SAMPLE_S = 0.2


@dataclass
class Run:
    wall_s: float
    cpu_s: float
    peak_rss_mib: float
    peak_pss_mib: float | None
    returncode: int
    error: str | None = None
    summary: dict | None = None


@dataclass
class ToolResult:
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
    def cpu_s(self) -> float | None:
        return statistics.median(r.cpu_s for r in self.runs) if self.ok else None

    @property
    def peak_rss_mib(self) -> float | None:
        return max(r.peak_rss_mib for r in self.runs) if self.ok else None

    @property
    def peak_pss_mib(self) -> float | None:
        vals = [r.peak_pss_mib for r in self.runs if r.peak_pss_mib is not None]
        return max(vals) if self.ok and vals else None


def tree_pids(root: int) -> list[int]:
    """``root`` and all its descendants (from /proc/PID/stat parent ids)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class PssSampler(threading.Thread):
    """Samples the process tree's total PSS until stopped; keeps the peak."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peak_kib = 0
        self.samples = 0
        self.stop = threading.Event()

    def run(self) -> None:
        pids = [self.pid]
        while not self.stop.is_set():
            if self.samples % 5 == 0:  # the tree changes rarely: rescan /proc every 1 s
                pids = tree_pids(self.pid)
            total = sum(pss_kib(p) for p in pids)
            self.peak_kib = max(self.peak_kib, total)
            self.samples += 1
            self.stop.wait(SAMPLE_S)


def last_json_line(text: str) -> dict | None:
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict):
                return doc
    return None


def measure(command: list[str], stdout_to: Path | None, timeout: float | None = None) -> Run:
    """Run ``command``: wall time, wait4 peak RSS, sampled tree PSS; stdout kept or parsed.

    With ``timeout`` the command's whole process group is killed after that many seconds.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, start_new_session=True)
        sampler = PssSampler(proc.pid)
        sampler.start()
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if timer:
            timer.cancel()
            if timed_out.is_set():  # workers left behind by the killed parent
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read()
        err.seek(0)
        err_tail = err.read().decode(errors="replace")[-2000:]
    if stdout_to is not None:
        stdout_to.write_bytes(stdout)
    error = None
    if timed_out.is_set():
        error = f"timed out after {timeout:.0f} s (killed)"
    elif proc.returncode != 0:
        error = f"exit code {proc.returncode}: {err_tail.strip()[-500:]}"
    text = stdout.decode(errors="replace")
    summary = None
    if stdout_to is not None:
        try:
            doc = json.loads(text)
            counts = doc["counts"]  # assay scan --json: flagged images per issue type
            summary = {"issue_types": len(counts), "flags": sum(counts.values())}
        except (ValueError, AttributeError, TypeError, KeyError):
            if error is None:
                error = "stdout is not one JSON object"
    else:
        summary = last_json_line(text)
    pss = sampler.peak_kib / 1024 if sampler.samples else None
    cpu = usage.ru_utime + usage.ru_stime  # the child and its reaped workers
    return Run(wall, cpu, usage.ru_maxrss / 1024, pss, proc.returncode, error, summary)


def assay_available(assay: Path) -> str | None:
    """None if ``assay scan`` can be run, else why not."""
    if not assay.is_file() or not os.access(assay, os.X_OK):
        return f"no executable at {assay}"
    probe = subprocess.run([str(assay), "scan", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"{assay} has no 'scan' command"
    return None


def commands(args: argparse.Namespace, outputs: Path) -> dict[str, list[str]]:
    py = [args.python, "-u"]
    data = str(args.data)
    return {
        "assay": [str(args.assay), "scan", data, "--json"],
        "assay-fast": [str(args.assay), "scan", data, "--fast", "--json"],
        "assay-decode": [str(args.assay), "scan", data, "--decode-only", "--json"],
        "cleanvision": [*py, str(HERE / "run_cleanvision.py"), data, "--no-scores",
                        "--json", str(outputs / "cleanvision.json")],
        "decode-1proc": [*py, str(HERE / "decode_only.py"), data],
        "decode-2proc": [*py, str(HERE / "decode_only.py"), data, "--procs", "2"],
    }


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def print_table(results: list[ToolResult], n_images: int) -> None:
    assay = next((r for r in results if r.tool == "assay" and r.ok), None)
    print(f"{'tool':14s} {'wall s':>8s} {'images/s':>9s} {'CPU s':>8s} {'img/CPU s':>10s} "
          f"{'peak RSS MiB':>13s} {'peak PSS MiB':>13s} {'vs assay':>9s}")
    for r in results:
        if not r.ok:
            reason = r.note if not r.available else (r.runs[-1].error if r.runs else "did not run")
            print(f"{r.tool:14s} {'not available' if not r.available else 'FAILED'}: {reason}")
            continue
        ratio = "" if assay is None or r is assay else f"{r.wall_s / assay.wall_s:.1f}x"
        print(f"{r.tool:14s} {r.wall_s:8.2f} {n_images / r.wall_s:9.0f} {r.cpu_s:8.1f} "
              f"{n_images / max(r.cpu_s, 1e-9):10.0f} {r.peak_rss_mib:13.0f} "
              f"{fmt(r.peak_pss_mib, '13.0f')} {ratio:>9s}")
    decode = next((r for r in results if r.tool == "assay-decode" and r.ok), None)
    fast = next((r for r in results if r.tool == "assay-fast" and r.ok), None)
    for scan in (assay, fast):
        if scan is not None and decode is not None:
            print(f"{scan.tool} throughput / assay decode-only: {decode.wall_s / scan.wall_s:.0%} "
                  f"(wall), {decode.cpu_s / scan.cpu_s:.0%} (CPU)")
    if assay is not None and fast is not None:
        print(f"assay-fast / assay throughput: {assay.wall_s / fast.wall_s:.1f}x (wall), "
              f"{assay.cpu_s / fast.cpu_s:.1f}x (CPU)")
    print("CPU s: user + system time of the process and its workers (wait4); less sensitive "
          "than wall time to other load on the machine")
    print("vs assay: the tool's wall time / assay's (how many times faster assay is)")
    print("peak RSS: largest single process (wait4); peak PSS: whole process tree, sampled")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder of images to scan")
    parser.add_argument("--assay", type=Path, default=REPO_ROOT / "target" / "release" / "assay",
                        help="assay binary (default: target/release/assay of this repository)")
    parser.add_argument("--tools", default=",".join(TOOLS),
                        help=f"comma-separated subset of {','.join(TOOLS)}")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs per tool: median wall time, largest peaks (default 1)")
    parser.add_argument("--python", default=sys.executable,
                        help="Python with CleanVision and Pillow (default: this one)")
    parser.add_argument("--outputs", type=Path,
                        help="keep assay.json and cleanvision.json here (default: a temporary folder)")
    parser.add_argument("--timeout", type=float,
                        help="kill a tool's run after this many seconds (reported as failed)")
    parser.add_argument("--json", type=Path, dest="json_out", help="also save the results here")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.data.is_dir():
        sys.exit(f"not a folder: {args.data}")
    wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = set(wanted) - set(TOOLS)
    if unknown:
        sys.exit(f"unknown tools: {', '.join(sorted(unknown))}")
    n_images = len(image_files(args.data))
    tmp = tempfile.TemporaryDirectory(prefix="quality-bench-")
    outputs = args.outputs or Path(tmp.name)
    outputs.mkdir(parents=True, exist_ok=True)
    cmds = commands(args, outputs)
    results = [ToolResult(t, cmds[t]) for t in TOOLS if t in wanted]
    for r in results:
        if r.tool in ("assay", "assay-fast", "assay-decode"):
            r.note = assay_available(args.assay)
            r.available = r.note is None
            if not r.available:
                print(f"assay: not available ({r.note})", flush=True)
    load_before = os.getloadavg()
    print(f"{n_images} image files in {args.data}, {args.repeat} run(s) per tool, "
          f"{os.cpu_count()} CPUs, load average {load_before[0]:.1f}", flush=True)
    for i in range(args.repeat):
        for r in results:
            if not r.available:
                continue
            saved = {"assay": "assay.json", "assay-fast": "assay-fast.json"}.get(r.tool)
            run = measure(r.command, outputs / saved if saved else None,
                          args.timeout)
            r.runs.append(run)
            state = "ok" if run.error is None else f"FAILED ({run.error})"
            extra = ""
            if run.summary and r.tool == "cleanvision":
                if run.summary.get("peak_rss_mib_find_issues") is not None:
                    extra += (f", RSS when find_issues returned "
                              f"{run.summary['peak_rss_mib_find_issues']:.0f} MiB")
                if run.summary.get("excluded"):
                    extra += f", {run.summary['excluded']} unreadable file(s) left out after a crash"
            print(f"  [{i + 1}/{args.repeat}] {r.tool}: {run.wall_s:.2f} s, CPU {run.cpu_s:.1f} s, "
                  f"RSS {run.peak_rss_mib:.0f} MiB, PSS {fmt(run.peak_pss_mib, '.0f')} MiB, "
                  f"{state}{extra}", flush=True)
    load_after = os.getloadavg()
    print()
    print_table(results, n_images)
    print(f"load average (1 min) before {load_before[0]:.1f}, after {load_after[0]:.1f}")
    if args.outputs:
        print(f"tool outputs kept in {outputs}")
    status = 1 if any(r.available and not r.ok for r in results) else 0
    if args.json_out:
        doc = {
            "data": str(args.data), "images": n_images, "repeat": args.repeat,
            "cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after,
            "tools": [{"tool": r.tool, "command": r.command, "available": r.available,
                       "note": r.note, "wall_s": r.wall_s,
                       "images_per_s": n_images / r.wall_s if r.wall_s else None,
                       "cpu_s": r.cpu_s,
                       "peak_rss_mib": r.peak_rss_mib, "peak_pss_mib": r.peak_pss_mib,
                       "runs": [asdict(run) for run in r.runs]} for r in results],
        }
        assay = next((r for r in results if r.tool == "assay" and r.ok), None)
        if assay:
            doc["wall_ratio_vs_assay"] = {r.tool: r.wall_s / assay.wall_s for r in results
                                          if r.ok and r is not assay}
        decode = next((r for r in results if r.tool == "assay-decode" and r.ok), None)
        if assay and decode:
            doc["assay_share_of_decode_throughput"] = {"wall": decode.wall_s / assay.wall_s,
                                                       "cpu": decode.cpu_s / assay.cpu_s}
        args.json_out.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"results saved to {args.json_out}")
    tmp.cleanup()
    return status


if __name__ == "__main__":
    sys.exit(main())
