"""Writes the expected outputs of the CLIP and DINOv2 parity tests
(crates/assay-embed/tests/fixtures/{clip,dinov2}.json).

Run once, by hand, with PyTorch and transformers installed (they are too
heavy for every CI run):

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch transformers safetensors numpy pillow
    /tmp/torchvenv/bin/python tests/oracles/make_embed_fixtures.py

For each model: build a tiny configuration with transformers, save it to
learn the Hub's tensor names and shapes, overwrite every tensor with seeded
values (seeded_weights.py, which the Rust test reproduces), reload it with
`from_pretrained` (requiring no missing or unexpected keys), run the
reference forward pass on real images from ../shared/data, and store the
configuration, the tensor list and the outputs. The Rust test rebuilds the
same safetensors file, loads it through assay's own loader and compares.
"""

import json
import os
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
from safetensors.numpy import save_file
from safetensors import safe_open

sys.path.insert(0, os.path.dirname(__file__))
from seeded_weights import seeded_tensor  # noqa: E402

import transformers  # noqa: E402
from transformers import (  # noqa: E402
    CLIPConfig,
    CLIPModel,
    CLIPTokenizer,
    Dinov2Config,
    Dinov2Model,
)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DATA = os.path.join(ROOT, "..", "shared", "data")
OUT = os.path.join(ROOT, "crates", "assay-embed", "tests", "fixtures")
IMAGES = [
    "coco128_lightly/images/train2017/000000000009.jpg",
    "coco128_lightly/images/train2017/000000000025.jpg",
    "dreambooth_real_photos_subset/dataset/dog/00.jpg",
]


def tensor_range(name, shape):
    """The uniform range of a tensor's seeded values, by its role."""
    last = name.split(".")[-1]
    if "norm" in name and last == "weight":
        return 0.5, 1.5
    if "layer_scale" in name:
        return 0.5, 1.5
    if last == "bias":
        return -0.1, 0.1
    if name.endswith("logit_scale"):
        return 2.0, 3.0
    if len(shape) >= 2 and "embedding" not in name:
        fan_in = int(np.prod(shape[1:]))
        bound = 1.0 / np.sqrt(fan_in)
        return -bound, bound
    return -0.5, 0.5


def seed_weights(model, folder, seed):
    """Saves `model`, replaces every tensor by seeded values, returns the
    tensor list (name, shape, range) in file order."""
    model.save_pretrained(folder, safe_serialization=True)
    path = os.path.join(folder, "model.safetensors")
    with safe_open(path, "np") as f:
        names = list(f.keys())
        shapes = {n: list(f.get_slice(n).get_shape()) for n in names}
    tensors, listing = {}, []
    for name in sorted(names):
        low, high = tensor_range(name, shapes[name])
        tensors[name] = seeded_tensor(name, shapes[name], low, high, seed)
        listing.append({"name": name, "shape": shapes[name], "low": low, "high": high})
    save_file(tensors, path, metadata={"format": "pt"})
    return listing


def reload(cls, folder):
    model, info = cls.from_pretrained(folder, output_loading_info=True)
    bad = {k: v for k, v in info.items() if v and k != "mismatched_keys" or (k == "mismatched_keys" and v)}
    if bad:
        raise SystemExit(f"{cls.__name__}: loading the seeded weights reported {bad}")
    return model.eval().float()


def load_images():
    return [Image.open(os.path.join(DATA, p)).convert("RGB") for p in IMAGES]


def write_tiny_clip_tokenizer(folder):
    """A byte-level BPE vocabulary in CLIP's format: 256 byte symbols, the
    same with the end-of-word mark, a few merges, and the two specials."""
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    symbols = list(bytes_to_unicode().values())
    vocab = symbols + [s + "</w>" for s in symbols]
    merges = [("t", "h"), ("th", "e</w>"), ("c", "a"), ("ca", "t</w>"), ("d", "o"),
              ("do", "g</w>"), ("a", "n"), ("an", "d</w>"), ("o", "n</w>"), ("i", "n"),
              ("in", "g</w>"), ("p", "h"), ("ph", "o"), ("pho", "t"), ("phot", "o</w>"),
              ("o", "f</w>"), ("r", "e"), ("re", "d</w>"), ("s", "t")]
    for left, right in merges:
        vocab.append(left + right)
    vocab += ["<|startoftext|>", "<|endoftext|>"]
    tok = CLIPTokenizer(
        vocab={token: i for i, token in enumerate(vocab)},
        merges=list(merges),
        model_max_length=77,
    )
    tok.save_pretrained(folder)
    return tok, len(vocab)


TEXTS = [
    "a photo of the cat",
    "The dog and the red cat, sitting on a mat!",
    "",
    "repeated words " * 40,
    "ünïcödé  spaces\tand\nlines 123",
]


def clip_fixture(seed=5):
    with tempfile.TemporaryDirectory() as folder:
        tok, vocab_size = write_tiny_clip_tokenizer(folder)
        eos = tok.convert_tokens_to_ids("<|endoftext|>")
        bos = tok.convert_tokens_to_ids("<|startoftext|>")
        config = CLIPConfig(
            text_config=dict(vocab_size=vocab_size, hidden_size=32, intermediate_size=64,
                             num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=77,
                             eos_token_id=eos, bos_token_id=bos, pad_token_id=eos),
            vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                               num_attention_heads=4, image_size=32, patch_size=8),
            projection_dim=16,
        )
        listing = seed_weights(CLIPModel(config), folder, seed)
        model = reload(CLIPModel, folder)
        with open(os.path.join(folder, "config.json")) as f:
            saved_config = json.load(f)
        with open(os.path.join(folder, "tokenizer.json")) as f:
            tokenizer_json = json.load(f)

        from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
        processor = CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
        pixels = processor(images=load_images(), return_tensors="pt")["pixel_values"]
        batch = tok(TEXTS, padding=True, truncation=True, max_length=77, return_tensors="pt")
        with torch.no_grad():
            image = model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)
            text = model.text_projection(
                model.text_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).pooler_output
            )
        ids = [
            [int(t) for t, m in zip(row, mask) if m]
            for row, mask in zip(batch["input_ids"].tolist(), batch["attention_mask"].tolist())
        ]
    return {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "seed": seed,
        "config": saved_config,
        "tokenizer": tokenizer_json,
        "tensors": listing,
        "images": IMAGES,
        "texts": TEXTS,
        "token_ids": ids,
        "image_embeds": image.tolist(),
        "text_embeds": text.tolist(),
    }


def dinov2_fixture(seed=7):
    with tempfile.TemporaryDirectory() as folder:
        config = Dinov2Config(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                              mlp_ratio=4, image_size=56, patch_size=14)
        listing = seed_weights(Dinov2Model(config), folder, seed)
        model = reload(Dinov2Model, folder)
        with open(os.path.join(folder, "config.json")) as f:
            saved_config = json.load(f)
        from transformers.models.bit.image_processing_pil_bit import BitImageProcessorPil
        processor = BitImageProcessorPil(
            size={"shortest_edge": 64}, crop_size={"height": 56, "width": 56}, do_center_crop=True,
            image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225],
            resample=Image.BICUBIC, do_convert_rgb=True,
        )
        pixels = processor(images=load_images(), return_tensors="pt")["pixel_values"]
        odd = torch.from_numpy(seeded_tensor("input.nonsquare", [2, 3, 42, 70], -2.0, 2.0, seed))
        with torch.no_grad():
            image = model(pixel_values=pixels).pooler_output
            nonsquare = model(pixel_values=odd).pooler_output
    return {
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "seed": seed,
        "config": saved_config,
        "tensors": listing,
        "images": IMAGES,
        "image_embeds": image.tolist(),
        "nonsquare_input": {"name": "input.nonsquare", "shape": [2, 3, 42, 70], "low": -2.0, "high": 2.0},
        "nonsquare_embeds": nonsquare.tolist(),
    }


def main():
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    for name, build in [("clip", clip_fixture), ("dinov2", dinov2_fixture)]:
        fixture = build()
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump(fixture, f, indent=1)
        print(f"wrote {name}.json ({len(fixture['tensors'])} tensors)")


if __name__ == "__main__":
    main()
