"""PIL's Image.resize on mode "F" (32-bit float) images, bicubic, as
clean-fid's "clean" resize calls it per channel.

Input: a JSON list of {"width", "height", "values" (row-major), "out": [w, h]}.
Output: the resized values, row-major, one list per case.
"""
import json
import sys

import numpy as np
from PIL import Image


def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for case in cases:
        plane = np.array(case["values"], dtype=np.float32).reshape(case["height"], case["width"])
        image = Image.fromarray(plane)
        assert image.mode == "F"
        resized = image.resize(tuple(case["out"]), resample=Image.BICUBIC)
        out.append([float(v) for v in np.asarray(resized, dtype=np.float32).ravel()])
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
