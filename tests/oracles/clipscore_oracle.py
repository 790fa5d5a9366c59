"""CLIPScore oracle: a numpy transcription of the formulas in
jmhessel/clipscore's clipscore.py (get_clip_score, get_refonlyclipscore and
the RefCLIPScore harmonic mean in main) and of torchmetrics' clip_score,
in float64 on given embeddings.

Reads a JSON list of cases {"images", "texts", "refs", "owners"} (argv[1])
and prints one JSON result per case.
"""
import json
import sys

import numpy as np


def unit_rows(x):
    return x / np.sqrt(np.sum(x ** 2, axis=1, keepdims=True))


def case_result(case, w=2.5):
    images = np.array(case["images"], dtype=np.float64)
    texts = np.array(case["texts"], dtype=np.float64)
    refs = np.array(case["refs"], dtype=np.float64)
    owners = case["owners"]

    # get_clip_score: normalise both, clip the cosine at 0, scale by w.
    img_n, cand_n = unit_rows(images), unit_rows(texts)
    per = w * np.clip(np.sum(img_n * cand_n, axis=1), 0, None)

    # get_refonlyclipscore: the (already normalised) candidates are
    # normalised again; the best cosine over each candidate's references.
    cand_n2, refs_n = unit_rows(cand_n), unit_rows(refs)
    grouped = {}
    for feats, owner in zip(refs_n, owners):
        grouped.setdefault(owner, []).append(feats)
    per_ref = np.array([np.max(c.dot(np.vstack(grouped[i]).T)) for i, c in enumerate(cand_n2)])

    # main: the harmonic mean of the two.
    refclip = 2 * per * per_ref / (per + per_ref)

    # torchmetrics: 100 * cosine per pair, the mean clipped at 0.
    tm = 100 * np.sum(img_n * cand_n, axis=1)
    return {
        "clip_s": per.tolist(),
        "clip_s_mean": float(np.mean(per)),
        "ref_s": per_ref.tolist(),
        "refclip_s": refclip.tolist(),
        "refclip_s_mean": float(np.mean(refclip)),
        "torchmetrics": tm.tolist(),
        "torchmetrics_mean": float(max(np.mean(tm), 0.0)),
    }


def main():
    with open(sys.argv[1]) as fh:
        cases = json.load(fh)
    json.dump([case_result(c) for c in cases], sys.stdout)


if __name__ == "__main__":
    main()
