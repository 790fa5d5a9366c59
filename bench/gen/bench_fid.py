"""FID of two 10,000 x 2048 feature sets: assay against pytorch-fid.

Usage (a Python with numpy, scipy < 1.18 and pytorch-fid 0.3.0; the release
binary built with `cargo build --release -p assay-cli`):

    python bench/gen/bench_fid.py --assay target/release/assay [--n 10000] [--d 2048]

Both sides start from the same .npy feature files. pytorch-fid's side is
its own code: `np.mean`/`np.cov` as in `calculate_activation_statistics`,
then `calculate_frechet_distance` (scipy's `sqrtm`). assay's side is the
whole command `assay gen eval --metrics fid --bootstrap 0 --no-diagnostics`, reading the
files included. Prints both times, the ratio and both values.
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np
from pytorch_fid.fid_score import calculate_frechet_distance


def features(seed, n, d, shift):
    """Correlated features: a random low-rank mix plus noise."""
    rng = np.random.RandomState(seed)
    latent = rng.standard_normal((n, 256))
    mix = rng.standard_normal((256, d)) / 16.0
    return np.maximum(latent @ mix + 0.3 * rng.standard_normal((n, d)) + shift, 0.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--assay", required=True)
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--d", type=int, default=2048)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        real_path, fake_path = os.path.join(tmp, "real.npy"), os.path.join(tmp, "fake.npy")
        np.save(real_path, features(1, args.n, args.d, 0.0))
        np.save(fake_path, features(2, args.n, args.d, 0.05))

        start = time.perf_counter()
        real, fake = np.load(real_path), np.load(fake_path)
        mu1, s1 = np.mean(real, axis=0), np.cov(real, rowvar=False)
        mu2, s2 = np.mean(fake, axis=0), np.cov(fake, rowvar=False)
        stats_s = time.perf_counter() - start
        start = time.perf_counter()
        ref = float(calculate_frechet_distance(mu1, s1, mu2, s2))
        distance_s = time.perf_counter() - start

        start = time.perf_counter()
        out = subprocess.run(
            [args.assay, "gen", "eval", "--real", real_path, "--fake", fake_path,
             "--metrics", "fid", "--bootstrap", "0", "--no-diagnostics", "--json"],
            check=True, capture_output=True, text=True,
        ).stdout
        assay_s = time.perf_counter() - start
        ours = next(m["value"] for m in json.loads(out)["metrics"] if m["name"] == "fid")

    python_s = stats_s + distance_s
    print(f"n = {args.n}, d = {args.d}")
    print(f"pytorch-fid: statistics {stats_s:.2f} s + calculate_frechet_distance {distance_s:.2f} s = {python_s:.2f} s, FID {ref:.9f}")
    print(f"assay gen eval (whole command, files read): {assay_s:.2f} s, FID {ours:.9f}")
    print(f"relative difference {abs(ours - ref) / abs(ref):.2e}")
    print(f"speed-up: {distance_s / assay_s:.1f}x against calculate_frechet_distance alone, "
          f"{python_s / assay_s:.1f}x against statistics + distance")


if __name__ == "__main__":
    main()
