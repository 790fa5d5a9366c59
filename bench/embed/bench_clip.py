"""CLIP ViT-B/32 image-embedding throughput: assay (Rust, candle) against
PyTorch + transformers on the CPU, same images, same thread count, same
batch size, same preprocessing (PIL bicubic resize, centre crop).

    python -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch transformers safetensors pillow
    cargo build --release -p assay-embed --example bench_images
    /tmp/torchvenv/bin/python bench/embed/bench_clip.py --threads 2 --images ../shared/data/coco128_lightly/images/train2017

The model is ViT-B/32's architecture (transformers' CLIPConfig defaults:
the configuration of openai/clip-vit-base-patch32) with random weights,
saved as safetensors; throughput does not depend on the weights' values.
Pass --model DIR to time real weights instead.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", default=os.path.join(ROOT, "..", "shared", "data", "coco128_lightly", "images", "train2017"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--limit", type=int, default=128)
    parser.add_argument("--model", help="a CLIP model folder (default: random ViT-B/32 weights)")
    args = parser.parse_args()

    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch
    from PIL import Image
    from transformers import CLIPConfig, CLIPModel
    from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

    torch.set_num_threads(args.threads)
    files = sorted(
        os.path.join(args.images, f) for f in os.listdir(args.images) if f.lower().endswith((".jpg", ".png"))
    )[: args.limit]
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model
        if folder is None:
            folder = tmp
            torch.manual_seed(0)
            CLIPModel(CLIPConfig()).save_pretrained(folder, safe_serialization=True)
        model = CLIPModel.from_pretrained(folder).eval()
        processor = CLIPImageProcessorPil()

        def embed(paths):
            images = [Image.open(p).convert("RGB") for p in paths]
            pixels = processor(images=images, return_tensors="pt")["pixel_values"]
            with torch.no_grad():
                return model.visual_projection(model.vision_model(pixel_values=pixels).pooler_output)

        embed(files[: args.batch])  # warm-up
        start = time.perf_counter()
        for i in range(0, len(files), args.batch):
            embed(files[i : i + args.batch])
        torch_seconds = time.perf_counter() - start

        binary = os.path.join(ROOT, "target", "release", "examples", "bench_images")
        env = dict(os.environ, RAYON_NUM_THREADS=str(args.threads))
        out = subprocess.run(
            [binary, folder, args.images, str(args.batch), str(args.limit)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout
        assay = json.loads(out.strip().splitlines()[-1])

    torch_rate = len(files) / torch_seconds
    result = {
        "images": len(files),
        "threads": args.threads,
        "batch": args.batch,
        "torch": torch.__version__,
        "pytorch_images_per_second": round(torch_rate, 2),
        "assay_images_per_second": assay["images_per_second"],
        "assay_over_pytorch": round(assay["images_per_second"] / torch_rate, 3),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    sys.exit(main())
