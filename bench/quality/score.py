#!/usr/bin/env python3
"""Score CleanVision's (and assay's) flags against the test set's truth.

For each injected problem kind, the recall of the matching issue type on the
strong and the mild images, and its precision over all the files it flagged,
printed side by side for the tools given::

    score.py --truth OUT/truth.csv --cleanvision CV.json [--assay ASSAY.json]

Both JSON files hold ``{"issues": {ISSUE_TYPE: [{"file": F, "score": S}, ...]}}``
(the flagged files per issue type; ``run_cleanvision.py --json`` writes it
for CleanVision, ``assay scan DIR --json`` prints it for assay; see
``flags_from_json``, the one place that reads a tool's output). A missing or
unusable ``--assay`` file only drops assay's column.

Problem kinds and issue types:

===========  ===================
truth        issue type
===========  ===================
dark         dark
light        light
blur         blurry
grey         grayscale
exact_dup    exact_duplicates
near_dup     near_duplicates
odd_aspect   odd_aspect_ratio
odd_size     odd_size
low_info     low_information
corrupt      unreadable
===========  ===================

Counting:

* recall: flagged injected files / injected files, for ``strong``, ``mild``
  and both. A duplicate counts when the copy is flagged.
* precision: flags on the right files / all flags of that issue type. The
  right files are the injected ones and, for duplicates, the clean image each
  copy was made from (a duplicate group has two members); a near-duplicate
  flag on an exact-duplicate pair is right too. Anything else is a false
  positive, and the table below the main one says which kind of file each
  false positive was (``clean`` or another injected kind).
* an issue type a tool does not report at all is ``n/a`` (CleanVision has no
  ``unreadable``: it stops on such files, and ``run_cleanvision.py`` leaves
  them out and runs it again; those are shown as "left out", not as flags).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

KIND_TO_ISSUE = {
    "dark": "dark", "light": "light", "blur": "blurry", "grey": "grayscale",
    "exact_dup": "exact_duplicates", "near_dup": "near_duplicates",
    "odd_aspect": "odd_aspect_ratio", "odd_size": "odd_size",
    "low_info": "low_information", "corrupt": "unreadable",
}
DUP_KINDS = ("exact_dup", "near_dup")

# assay's own issue types for the milder cases, scored beside CleanVision's
# when a tool reports them (the "own types" column).
OWN_ISSUE = {
    "dark": "underexposed", "light": "overexposed", "blur": "soft", "grey": "monochrome",
    "near_dup": "similar", "odd_size": "unusual_size", "low_info": "low_contrast",
}

# The bar for a tool on a problem kind: strong recall and precision of one
# of its issue types for that kind at least these.
BAR_RECALL, BAR_PRECISION = 0.95, 0.9

# Other names a tool may use for an issue type (matched case-insensitively).
ALIASES = {
    "blur": "blurry", "greyscale": "grayscale", "grey": "grayscale", "gray": "grayscale",
    "exact_duplicate": "exact_duplicates", "near_duplicate": "near_duplicates",
    "odd_aspect": "odd_aspect_ratio", "low_info": "low_information",
    "corrupt": "unreadable", "invalid": "unreadable", "broken": "unreadable",
    "unreadable_images": "unreadable",
}

Flags = dict[str, dict[str, float | None]]  # issue type -> file -> score


def canonical_issue(name: str) -> str:
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    return ALIASES.get(key, key)


def flags_from_json(doc: dict) -> Flags:
    """A tool's flags from its JSON output: the one adapter to adjust.

    Reads ``{"issues": {TYPE: [{"file": F, "score": S}, ...], ...}}`` (a list
    entry may also be a plain file name), or ``assay scan --json``'s
    ``{"issues": [{"issue_type": TYPE, "flagged": [{"path": F, "score": S}]}]}``.
    Every issue type present counts as checked, even with no flags (so 0
    flags is a real answer, not ``n/a``). ``issue_types`` (CleanVision's
    output has it) adds checked types with no key.
    """
    flags: Flags = {}
    for name in doc.get("issue_types", []):
        flags.setdefault(canonical_issue(name), {})
    issues = doc.get("issues") or {}
    if isinstance(issues, list):  # assay scan --json
        issues = {e["issue_type"]: e.get("flagged") or [] for e in issues}
    for name, entries in issues.items():
        bucket = flags.setdefault(canonical_issue(name), {})
        for entry in entries or []:
            if isinstance(entry, str):
                bucket[entry] = None
            else:
                bucket[entry.get("file") or entry.get("path")] = entry.get("score")
    return flags


def match_files(flags: Flags, known: set[str], root: str | None) -> tuple[Flags, set[str]]:
    """Map the tools' paths onto the truth's file names (relative to the images folder)."""
    by_name: dict[str, list[str]] = defaultdict(list)
    for f in known:
        by_name[f.rsplit("/", 1)[-1]].append(f)
    unknown: set[str] = set()
    out: Flags = {}

    def resolve(path: str) -> str | None:
        p = path.replace("\\", "/")
        if p.startswith("file://"):
            p = p[len("file://"):]
        if root and p.startswith(root.rstrip("/") + "/"):
            p = p[len(root.rstrip("/")) + 1:]
        if p.startswith("./"):
            p = p[2:]
        if p in known:
            return p
        for cand in by_name.get(p.rsplit("/", 1)[-1], []):
            if p.endswith("/" + cand) or p == cand:
                return cand
        return None

    for issue, bucket in flags.items():
        out[issue] = {}
        for path, score in bucket.items():
            f = resolve(str(path))
            if f is None:
                unknown.add(str(path))
            else:
                out[issue][f] = score
    return out, unknown


def load_truth(path: Path) -> list[dict]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def truth_sets(rows: list[dict]) -> dict:
    """Per kind: the injected files by severity and the files a flag may rightly name."""
    injected: dict[str, dict[str, set[str]]] = {k: {"strong": set(), "mild": set()} for k in KIND_TO_ISSUE}
    right: dict[str, set[str]] = {k: set() for k in KIND_TO_ISSUE}
    problem_of = {}
    for r in rows:
        problem_of[r["file"]] = r["problem"]
        kind = r["problem"]
        if kind == "clean":
            continue
        if kind not in injected:
            raise SystemExit(f"unknown problem {kind!r} in the truth file")
        injected[kind][r["severity"] or "strong"].add(r["file"])
        right[kind].add(r["file"])
        if kind in DUP_KINDS and r["source"]:
            right[kind].add(r["source"])
    right["near_dup"] |= right["exact_dup"]
    return {"injected": injected, "right": right, "problem_of": problem_of}


def score_tool(name: str, flags: Flags, truth: dict, own: bool = False) -> dict:
    """Recall per severity, precision and false positives per problem kind.

    With ``own``, a kind is scored on the tool's own type for it
    (``OWN_ISSUE``) where the tool reports one, else on CleanVision's.
    """
    result = {}
    for kind, issue in KIND_TO_ISSUE.items():
        if own and OWN_ISSUE.get(kind) in flags:
            issue = OWN_ISSUE[kind]
        if issue not in flags:
            result[kind] = None
            continue
        flagged = set(flags[issue])
        entry = {"issue": issue, "flags": len(flagged)}
        for sev in ("strong", "mild"):
            pos = truth["injected"][kind][sev]
            entry[f"found_{sev}"] = len(pos & flagged)
            entry[f"n_{sev}"] = len(pos)
        entry["found_all"] = entry["found_strong"] + entry["found_mild"]
        entry["n_all"] = entry["n_strong"] + entry["n_mild"]
        for sev in ("strong", "mild", "all"):
            n = entry[f"n_{sev}"]
            entry[f"recall_{sev}"] = entry[f"found_{sev}"] / n if n else None
        tp = len(flagged & truth["right"][kind])
        entry["true_flags"] = tp
        entry["precision"] = tp / len(flagged) if flagged else None
        fp = flagged - truth["right"][kind]
        entry["false_positives_by_problem"] = dict(
            Counter(truth["problem_of"].get(f, "?") for f in fp).most_common())
        entry["missed"] = sorted((truth["injected"][kind]["strong"] | truth["injected"][kind]["mild"]) - flagged)
        result[kind] = entry
    return result


def meets_bar(e: dict | None) -> bool:
    return (e is not None and e["precision"] is not None
            and e["recall_strong"] is not None and e["recall_strong"] >= BAR_RECALL
            and e["precision"] >= BAR_PRECISION)


def bar_lines(tools: list[tuple[str, dict]]) -> list[str]:
    """Per tool (its CleanVision-named and own-type columns together): the
    kinds where one of its types meets the bar, naming the type."""
    merged: dict[str, list[dict]] = defaultdict(list)
    for label, res in tools:
        merged[label.split(",")[0]].append(res)
    lines = []
    for label, results in merged.items():
        met, missed = [], []
        for kind in KIND_TO_ISSUE:
            types = [r[kind]["issue"] for r in results if meets_bar(r[kind])]
            (met if types else missed).append(f"{kind} ({'/'.join(dict.fromkeys(types))})" if types else kind)
        lines.append(f"{label}: strong recall >= {BAR_RECALL} and precision >= {BAR_PRECISION} "
                     f"on {len(met)} of {len(KIND_TO_ISSUE)} kinds; met: {', '.join(met) or 'none'}; "
                     f"not met: {', '.join(missed) or 'none'}")
    return lines


def fmt_recall(e: dict | None, sev: str) -> str:
    if e is None:
        return "n/a"
    n = e[f"n_{sev}"]
    return f"{e[f'found_{sev}']}/{n}" if n else "-"


def fmt_precision(e: dict | None) -> str:
    if e is None:
        return "n/a"
    if not e["flags"]:
        return "no flags"
    return f"{100 * e['precision']:.0f}% ({e['true_flags']}/{e['flags']})"


def print_table(tools: list[tuple[str, dict]], notes: dict[str, list[str]]) -> None:
    head1 = f"{'problem':11s} {'issue type':17s}"
    head2 = " " * len(head1)
    widths = (7, 7, 7, 15)
    for label, _ in tools:
        block = sum(widths) + len(widths)
        head1 += " | " + label.center(block - 1)
        head2 += " | " + " ".join(h.rjust(w) for h, w in zip(("strong", "mild", "all", "precision"), widths))
    print(head1)
    print(head2)
    print("-" * len(head2))
    for kind, issue in KIND_TO_ISSUE.items():
        line = f"{kind:11s} {issue:17s}"
        own = ""
        for _, res in tools:
            e = res[kind]
            if e is not None and e["issue"] != issue:
                own = f"  ({e['issue']})"
            cells = (fmt_recall(e, "strong"), fmt_recall(e, "mild"), fmt_recall(e, "all"), fmt_precision(e))
            line += " | " + " ".join(c.rjust(w) for c, w in zip(cells, widths))
        print(line + own)
    print("recall = flagged/injected per severity; precision = right flags/all flags of the type")
    if any(e is not None and e["issue"] != KIND_TO_ISSUE[k] for _, r in tools for k, e in r.items()):
        print("(type) at the end of a row: the own type scored in the \"own types\" column")
    for line in bar_lines(tools):
        print(line)
    for label, res in tools:
        fps = [(k, e["false_positives_by_problem"]) for k, e in res.items()
               if e is not None and e["false_positives_by_problem"]]
        if fps:
            print(f"\n{label}: false positives by the kind of file flagged")
            for kind, fp in fps:
                what = ", ".join(f"{n} {p}" for p, n in fp.items())
                print(f"  {res[kind]['issue']:17s} {what}")
        for note in notes.get(label, []):
            print(f"{label}: {note}")


def load_tool(path: Path, truth_files: set[str]) -> tuple[dict, Flags, set[str]]:
    doc = json.loads(path.read_text())
    flags, unknown = match_files(flags_from_json(doc), truth_files, doc.get("data") or doc.get("root"))
    return doc, flags, unknown


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--truth", type=Path, required=True, help="truth.csv from make_testset.py")
    parser.add_argument("--cleanvision", type=Path, help="JSON from run_cleanvision.py --json")
    parser.add_argument("--assay", type=Path, help="JSON printed by `assay scan DIR --json`")
    parser.add_argument("--json", type=Path, dest="json_out", help="also save the scores here")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    rows = load_truth(args.truth)
    truth = truth_sets(rows)
    files = set(truth["problem_of"])
    tools: list[tuple[str, dict]] = []
    notes: dict[str, list[str]] = defaultdict(list)
    saved = {"truth": str(args.truth), "tools": {}}
    for label, path in (("CleanVision", args.cleanvision), ("assay", args.assay)):
        if path is None:
            continue
        if not path.is_file():
            print(f"{label}: no file {path}; column left out", file=sys.stderr)
            continue
        try:
            doc, flags, unknown = load_tool(path, files)
        except (ValueError, AttributeError, TypeError) as exc:
            print(f"{label}: cannot read {path} ({exc}); column left out", file=sys.stderr)
            continue
        if label == "CleanVision" and doc.get("version"):
            label = f"CleanVision {doc['version']}"
        res = score_tool(label, flags, truth)
        tools.append((label, res))
        if label == "assay" and any(t in flags for t in OWN_ISSUE.values()):
            own_label = "assay, own types"
            tools.append((own_label, score_tool(own_label, flags, truth, own=True)))
            saved["tools"][own_label] = {"file": str(path), "scores": tools[-1][1]}
        if unknown:
            notes[label].append(f"{len(unknown)} flagged path(s) not in the truth, ignored "
                                f"(e.g. {sorted(unknown)[0]})")
        excluded = (doc.get("excluded") or {}).get("files") or []
        if excluded:
            corrupt = truth["right"]["corrupt"]
            notes[label].append(
                f"stopped on unreadable files ({doc['excluded'].get('error')}); the harness left out "
                f"{len(excluded)} ({len(set(excluded) & corrupt)} of them injected corrupt) and ran it again")
        saved["tools"][label] = {"file": str(path), "scores": res, "unknown_paths": sorted(unknown),
                                 "excluded": excluded}
    if not tools:
        raise SystemExit("nothing to score: pass --cleanvision and/or --assay")
    n = Counter(r["problem"] for r in rows)
    print(f"{len(rows)} files: {n['clean']} clean, {len(rows) - n['clean']} with an injected problem\n")
    print_table(tools, notes)
    if args.json_out:
        args.json_out.write_text(json.dumps(saved, indent=1) + "\n")
        print(f"\nscores saved to {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
