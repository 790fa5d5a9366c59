"""Writes the expected outputs of the InceptionV3 (FID) parity test
(crates/assay-embed/tests/fixtures/inception.json).

Run once, by hand, with PyTorch, torchvision and pytorch-fid installed (they
are too heavy for every CI run):

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch torchvision pytorch-fid==0.3.0 numpy pillow
    /tmp/torchvenv/bin/python tests/oracles/make_inception_fixture.py

Builds pytorch-fid's `InceptionV3([3], resize_input=True,
normalize_input=True, use_fid_inception=True)` without downloading
anything: `load_state_dict_from_url` is replaced by a function returning
seeded values (seeded_weights.py, which the Rust test reproduces) for every
tensor of the FID Inception's state dict, under the names of the published
`pt_inception-2015-12-05-6726825d.pth`. The model is then run on real images
from ../shared/data (decoded by PIL, `TF.ToTensor()` as pytorch-fid's
dataset does) and on a seeded input of odd size. The fixture stores the
tensor list (name, shape, range), the inputs, the 2048-d pool features and
the 1008 logits with and without the fc bias (torch-fidelity's
`logits_unbiased`).
"""

import json
import os
import sys

import numpy as np
import torch
import torchvision
from PIL import Image

sys.path.insert(0, os.path.dirname(__file__))
from seeded_weights import seeded_tensor  # noqa: E402

import pytorch_fid  # noqa: E402
import pytorch_fid.inception as fid_inception  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "crates", "assay-embed", "tests", "fixtures", "inception.json")
IMAGES = [
    "coco128_lightly/images/train2017/000000000009.jpg",
    "coco128_lightly/images/train2017/000000000025.jpg",
    "dreambooth_real_photos_subset/dataset/dog/00.jpg",
]
SEED = 11
ODD_INPUT = {"name": "input.odd", "shape": [1, 3, 37, 53], "low": 0.0, "high": 1.0}


def template_state_dict():
    """The FID Inception's state dict as `fid_inception_v3()` expects it,
    built the way pytorch-fid builds the model (before loading weights)."""
    model = torchvision.models.inception_v3(
        weights=None, num_classes=1008, aux_logits=False, init_weights=False
    )
    model.Mixed_5b = fid_inception.FIDInceptionA(192, pool_features=32)
    model.Mixed_5c = fid_inception.FIDInceptionA(256, pool_features=64)
    model.Mixed_5d = fid_inception.FIDInceptionA(288, pool_features=64)
    model.Mixed_6b = fid_inception.FIDInceptionC(768, channels_7x7=128)
    model.Mixed_6c = fid_inception.FIDInceptionC(768, channels_7x7=160)
    model.Mixed_6d = fid_inception.FIDInceptionC(768, channels_7x7=160)
    model.Mixed_6e = fid_inception.FIDInceptionC(768, channels_7x7=192)
    model.Mixed_7b = fid_inception.FIDInceptionE_1(1280)
    model.Mixed_7c = fid_inception.FIDInceptionE_2(2048)
    return model.state_dict()


def tensor_range(name, shape):
    """The uniform range of a tensor's seeded values, by its role:
    convolutions a little under He-uniform (+-sqrt(5 / fan_in)) and
    near-identity batch norms keep activations O(1) through the deepest
    path (pool features come out in [0, ~3], mean ~0.3, as with the
    published weights)."""
    last = name.split(".")[-1]
    if ".bn." in name:
        return {
            "weight": (0.5, 1.5),
            "bias": (-0.1, 0.1),
            "running_mean": (-0.1, 0.1),
            "running_var": (0.5, 1.5),
        }[last]
    if name == "fc.bias":
        return -0.1, 0.1
    fan_in = int(np.prod(shape[1:]))
    bound = float(np.sqrt(5.0 / fan_in))
    return -bound, bound


def seeded_state_dict(seed):
    """Seeded values for every floating-point tensor of the template, and the
    listing (name, shape, range) in name order; integer buffers
    (`num_batches_tracked`) keep their template value and are not listed."""
    template = template_state_dict()
    state, listing = {}, []
    for name in sorted(template):
        tensor = template[name]
        if not tensor.is_floating_point():
            state[name] = tensor
            continue
        shape = list(tensor.shape)
        low, high = tensor_range(name, shape)
        state[name] = torch.from_numpy(seeded_tensor(name, shape, low, high, seed))
        listing.append({"name": name, "shape": shape, "low": low, "high": high})
    return state, listing


def build_model(state):
    """pytorch-fid's InceptionV3 for FID, its weights download replaced by
    `state`."""
    original = fid_inception.load_state_dict_from_url
    fid_inception.load_state_dict_from_url = lambda *args, **kwargs: state
    try:
        model = fid_inception.InceptionV3(
            [3], resize_input=True, normalize_input=True, use_fid_inception=True
        )
    finally:
        fid_inception.load_state_dict_from_url = original
    return model.eval()


def load_inputs():
    """The images as pytorch-fid's dataset gives them (`TF.ToTensor()` of
    the RGB image), each a batch of one, then the seeded odd-size input."""
    import torchvision.transforms.functional as TF

    inputs = []
    for path in IMAGES:
        image = Image.open(os.path.join(DATA, path)).convert("RGB")
        inputs.append(TF.to_tensor(image).unsqueeze(0))
    odd = seeded_tensor(ODD_INPUT["name"], ODD_INPUT["shape"], ODD_INPUT["low"],
                        ODD_INPUT["high"], SEED)
    inputs.append(torch.from_numpy(odd))
    return inputs


def rounded(rows):
    return [[float(f"{v:.9g}") for v in row] for row in rows]


def main():
    torch.set_num_threads(1)
    state, listing = seeded_state_dict(SEED)
    model = build_model(state)
    weight, bias = state["fc.weight"], state["fc.bias"]
    pools, logits, unbiased = [], [], []
    with torch.no_grad():
        for x in load_inputs():
            pool = model(x)[0].flatten(1)
            pools += pool.tolist()
            logits += (pool @ weight.T + bias).tolist()
            unbiased += (pool @ weight.T).tolist()
            p = pool.numpy()
            print(f"input {tuple(x.shape)}: pool min {p.min():.4g} mean {p.mean():.4g} "
                  f"max {p.max():.4g}, zeros {np.mean(p == 0):.1%}")
    fixture = {
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "pytorch_fid": pytorch_fid.__version__,
        "seed": SEED,
        "tensors": listing,
        "images": IMAGES,
        "odd_input": ODD_INPUT,
        "pool": rounded(pools),
        "logits": rounded(logits),
        "logits_unbiased": rounded(unbiased),
    }
    with open(OUT, "w") as f:
        json.dump(fixture, f)
    print(f"wrote {OUT} ({len(listing)} tensors, {len(pools)} inputs)")


if __name__ == "__main__":
    main()
