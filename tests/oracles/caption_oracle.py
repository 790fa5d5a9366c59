"""Caption-metric oracle: pycocoevalcap 1.2 (Bleu, Cider, Rouge) and
sacrebleu 2.6.0 (corpus_bleu, the 13a tokenizer), plus numpy's mean.

Reads a JSON list of cases (argv[1]) and prints one JSON result per case.
Floats are printed as repr strings so the Rust side parses the exact bits.

Case kinds:
  {"kind": "coco", "images": [[id, candidate, [references...]], ...]}
      pre-tokenised text, scored in the given order (no PTBTokenizer: it
      needs Java); returns corpus and per-image Bleu_1..4, CIDEr, ROUGE_L.
  {"kind": "sacrebleu", "hyps": [...], "refs": [[...], ...]}
      refs[i] are hypothesis i's references (any number: the reference
      streams are padded with None, as sacrebleu allows).
  {"kind": "tok13a", "lines": [...]}
  {"kind": "mean", "values": [...]}
"""
import contextlib
import json
import sys

import numpy as np
from pycocoevalcap.bleu.bleu import Bleu
from pycocoevalcap.cider.cider import Cider
from pycocoevalcap.rouge.rouge import Rouge
from sacrebleu import corpus_bleu
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a


def f(x):
    return repr(float(x))


def coco(case):
    gts, res = {}, {}
    for image_id, cand, refs in case["images"]:
        gts[image_id] = list(refs)
        res[image_id] = [cand]
    bleu, bleu_per = Bleu(4).compute_score(gts, res, verbose=0)
    cider, cider_per = Cider().compute_score(gts, res)
    rouge, rouge_per = Rouge().compute_score(gts, res)
    return {
        "bleu": [f(b) for b in bleu],
        "bleu_per": [[f(b[i]) for b in bleu_per] for i in range(len(gts))],
        "cider": f(cider),
        "cider_per": [f(c) for c in cider_per],
        "rouge": f(rouge),
        "rouge_per": [f(r) for r in rouge_per],
    }


def sacre(case):
    hyps, refs = case["hyps"], case["refs"]
    n_streams = max(len(r) for r in refs)
    streams = [[r[j] if j < len(r) else None for r in refs] for j in range(n_streams)]
    s = corpus_bleu(hyps, streams)
    return {
        "score": f(s.score),
        "counts": list(s.counts),
        "totals": list(s.totals),
        "precisions": [f(p) for p in s.precisions],
        "bp": f(s.bp),
        "sys_len": s.sys_len,
        "ref_len": s.ref_len,
    }


def main():
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)
    tok = Tokenizer13a()
    out = []
    # pycocoevalcap prints progress; keep stdout for the JSON.
    with contextlib.redirect_stdout(sys.stderr):
        for case in cases:
            out.append(run_case(case, tok))
    json.dump(out, sys.stdout)


def run_case(case, tok):
    kind = case["kind"]
    if kind == "coco":
        return coco(case)
    if kind == "sacrebleu":
        return sacre(case)
    if kind == "tok13a":
        return [tok(line.rstrip()) for line in case["lines"]]
    if kind == "mean":
        return f(np.mean(np.array(case["values"], dtype=np.float64)))
    raise ValueError(f"unknown case kind {kind!r}")


if __name__ == "__main__":
    main()
