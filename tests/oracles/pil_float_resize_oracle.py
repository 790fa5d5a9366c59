"""PIL's Image.resize on mode "F" (32-bit float) images, bicubic, as
clean-fid's "clean" resize calls it per channel; and on 8-bit "L" and "RGB"
images with bicubic or Lanczos, as CleanVision and imagehash call it.

Input: a JSON list of {"width", "height", "values" (row-major, interleaved
for RGB), "out": [w, h], "mode" ("F", "L" or "RGB"; default "F"),
"filter" ("bicubic" or "lanczos"; default "bicubic")}.
Output: the resized values, row-major, one list per case.
"""
import json
import sys

import numpy as np
from PIL import Image

FILTERS = {"bicubic": Image.Resampling.BICUBIC, "lanczos": Image.Resampling.LANCZOS}


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        mode = case.get("mode", "F")
        shape = (case["height"], case["width"]) + ((3,) if mode == "RGB" else ())
        dtype = np.float32 if mode == "F" else np.uint8
        array = np.array(case["values"], dtype=dtype).reshape(shape)
        image = Image.fromarray(array, mode)
        resized = image.resize(tuple(case["out"]), resample=FILTERS[case.get("filter", "bicubic")])
        values = np.asarray(resized, dtype=dtype).ravel()
        out.append([float(v) if mode == "F" else int(v) for v in values])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
