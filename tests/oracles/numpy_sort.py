"""Which sort NumPy's default np.argsort of float64 uses, chosen before
NumPy loads; shared by the oracles whose results depend on the order NumPy
leaves equal values in (argsort_oracle.py, cleanlab_oracle.py).

Modes:
  "portable"  NumPy's portable introsort: on x86-64 the SIMD features that
              select x86-simd-sort are disabled (NPY_DISABLE_CPU_FEATURES)
              and checked to be off; elsewhere NumPy has no other.
  "native"    NumPy as the machine has it, except that on x86-64 with
              AVX-512 those features are disabled, so that NumPy uses
              x86-simd-sort's AVX2 argsort (the only SIMD order assay
              reproduces). On x86-64 with AVX2 that is the AVX2 sort; on
              ARM64 or x86-64 without AVX2, the portable one.
Call configure(mode) before importing NumPy, then sort_in_use() to learn
which sort NumPy runs: "avx2" or "portable".
"""

import os
import platform
import sys

MODES = ("portable", "native")
# NumPy 2.4's dispatch targets of x86-simd-sort: X86_V3 is AVX2, the others
# AVX-512.
AVX2 = ["X86_V3"]
AVX512 = ["X86_V4", "AVX512_ICL", "AVX512_SPR"]
ON_X86 = platform.machine().lower() in ("x86_64", "amd64", "i386", "i686", "x86")


def configure(mode):
    """Disables NumPy's CPU features for `mode`; call before importing NumPy."""
    if mode not in MODES:
        sys.exit(f"unknown sort mode {mode!r} (expected one of {', '.join(MODES)})")
    if ON_X86:
        disabled = AVX2 + AVX512 if mode == "portable" else AVX512
        os.environ["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)


def sort_in_use(mode):
    """The sort NumPy now uses for argsort of float64: "avx2" or "portable".
    Exits when the features `mode` disables are still on."""
    from numpy._core._multiarray_umath import __cpu_features__

    active = [f for f in (AVX512 if mode == "native" else AVX2 + AVX512) if __cpu_features__.get(f)]
    if ON_X86 and active:
        sys.exit(f"numpy_sort: could not disable NumPy's CPU features {active}")
    if ON_X86 and mode == "native" and all(__cpu_features__.get(f) for f in AVX2):
        return "avx2"
    return "portable"
