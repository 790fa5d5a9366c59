"""Converts a PyTorch checkpoint holding a plain state dict (a dict of
tensor names to tensors, such as pytorch-fid's published FID Inception
weights) to a safetensors file that assay can load:

    python scripts/convert_to_safetensors.py pt_inception-2015-12-05-6726825d.pth out/inception.safetensors

Floating-point tensors are written as contiguous float32; other tensors
(`num_batches_tracked` counters, ...) keep their type. A checkpoint that
wraps its state dict under "state_dict" or "model" is unwrapped. Needs
torch and safetensors (`pip install torch safetensors`); the checkpoint is
loaded with `weights_only=True`, so no code in it is run.
"""

import os
import sys

import torch
from safetensors.torch import save_file


def state_dict_of(checkpoint, path):
    """The name -> tensor dict inside `checkpoint`."""
    for key in ("state_dict", "model"):
        if isinstance(checkpoint, dict) and isinstance(checkpoint.get(key), dict):
            checkpoint = checkpoint[key]
    if not isinstance(checkpoint, dict) or not checkpoint:
        raise SystemExit(f"{path}: expected a state dict (names to tensors), got {type(checkpoint).__name__}")
    others = [name for name, value in checkpoint.items() if not isinstance(value, torch.Tensor)]
    if others:
        raise SystemExit(f"{path}: not a plain state dict; these entries are not tensors: {others[:5]}")
    return checkpoint


def converted(tensor):
    """`tensor` as safetensors stores it: float32 if floating, contiguous,
    in its own memory (shared storage cannot be saved twice)."""
    if tensor.is_floating_point():
        tensor = tensor.to(torch.float32)
    return tensor.detach().contiguous().clone()


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    source, target = sys.argv[1], sys.argv[2]
    checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    tensors = {name: converted(t) for name, t in state_dict_of(checkpoint, source).items()}
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    save_file(tensors, target, metadata={"format": "pt", "source": os.path.basename(source)})
    values = sum(t.numel() for t in tensors.values())
    print(f"wrote {target}: {len(tensors)} tensors, {values:,} values")
    for name, t in tensors.items():
        print(f"  {name} {list(t.shape)} {str(t.dtype).removeprefix('torch.')}")


if __name__ == "__main__":
    main()
