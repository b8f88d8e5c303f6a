"""Preparing the ONNX files: cache naming by weights hash, idempotence, atomic writes."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from loreline.knowledge import onnx_export
from loreline.knowledge.embedder import default_model_dir
from loreline.knowledge.onnx_encoder import OnnxEncoder
from loreline.knowledge.onnx_export import onnx_model_files, prepare_onnx_files

pytestmark = pytest.mark.unit


class FakeExport:
    """Stands in for the torch export and the quantiser: writes a small file, counts calls."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.exports: list[Path] = []
        self.quantisations: list[Path] = []
        self.fail_after_writing = False
        monkeypatch.setattr(onnx_export, "_export_fp32", self._export)
        monkeypatch.setattr(onnx_export, "_quantize_int8", self._quantize)

    def _export(self, model_dir: Path, target: Path) -> None:
        self.exports.append(target)
        target.write_bytes(b"half an onnx file" if self.fail_after_writing else b"fp32 " * 100)
        if self.fail_after_writing:
            raise RuntimeError("export killed")

    def _quantize(self, source: Path, target: Path) -> None:
        self.quantisations.append(target)
        target.write_bytes(b"int8 " * 50)


def fake_model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def test_folder_named_by_weights_hash(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    one = onnx_model_files(cache, fake_model(tmp_path / "a", b"weights of model a"))
    two = onnx_model_files(cache, fake_model(tmp_path / "b", b"weights of model b!"))
    assert one.weights_sha256 == hashlib.sha256(b"weights of model a").hexdigest()
    assert one.weights_sha256[:12] in one.folder.name
    assert one.folder != two.folder and one.fp32 != two.fp32 and one.int8 != two.int8
    assert one.folder.parent == two.folder.parent == cache.resolve()
    # Replacing the weights in place also moves the export.
    fake_model(tmp_path / "a", b"retrained weights of model a")
    assert onnx_model_files(cache, tmp_path / "a").folder not in (one.folder, two.folder)


def test_packaged_model_named_by_its_weights(onnx_cache: Path) -> None:
    weights = default_model_dir() / "model.safetensors"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    files = onnx_model_files(onnx_cache)
    assert files.weights_sha256 == digest
    assert files.folder.name.endswith(digest[:12])


def test_prepare_exports_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExport(monkeypatch)
    model = fake_model(tmp_path / "model", b"some weights")
    files = prepare_onnx_files(tmp_path / "cache", model)
    assert files.fp32.read_bytes() == b"fp32 " * 100 and not files.int8.exists()
    assert len(fake.exports) == 1 and fake.exports[0] != files.fp32  # written under a temp name
    stamp = files.fp32.stat().st_mtime_ns
    again = prepare_onnx_files(tmp_path / "cache", model)
    assert again == files and len(fake.exports) == 1
    prepare_onnx_files(tmp_path / "cache", model, quantized=True)
    prepare_onnx_files(tmp_path / "cache", model, quantized=True)
    assert len(fake.exports) == 1 and len(fake.quantisations) == 1
    assert files.fp32.stat().st_mtime_ns == stamp
    assert sorted(p.name for p in files.folder.iterdir()) == ["model.fp32.onnx", "model.int8.onnx"]


def test_failed_export_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeExport(monkeypatch)
    model = fake_model(tmp_path / "model", b"some weights")
    fake.fail_after_writing = True
    with pytest.raises(RuntimeError, match="export killed"):
        prepare_onnx_files(tmp_path / "cache", model)
    files = onnx_model_files(tmp_path / "cache", model)
    assert list(files.folder.iterdir()) == []
    fake.fail_after_writing = False
    assert prepare_onnx_files(tmp_path / "cache", model).fp32.is_file()


def test_leftovers_of_killed_exports_are_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    FakeExport(monkeypatch)
    model = fake_model(tmp_path / "model", b"some weights")
    folder = onnx_model_files(tmp_path / "cache", model).folder
    folder.mkdir(parents=True)
    old = folder / ".model.fp32.onnx.4242.deadbeef.tmp"
    running = folder / ".model.fp32.onnx.4343.cafecafe.tmp"  # another process, still exporting
    old.write_bytes(b"killed")
    running.write_bytes(b"in progress")
    hours_ago = time.time() - 3 * 3600
    os.utime(old, (hours_ago, hours_ago))
    prepare_onnx_files(tmp_path / "cache", model)
    assert not old.exists() and running.exists()


def test_prepare_is_idempotent_on_the_real_export(onnx_cache: Path) -> None:
    # The session fixtures' cache: exported by the first test session (a few seconds), then kept.
    first = OnnxEncoder.prepare(onnx_cache, quantized=True)
    assert first.files is not None
    before = {
        p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in (first.files.fp32, first.files.int8)
    }
    started = time.perf_counter()
    again = prepare_onnx_files(onnx_cache, quantized=True)
    assert time.perf_counter() - started < 2.0  # hashing the weights, nothing more
    assert again == first.files
    assert {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in before} == before
    assert not list(again.folder.glob(".*.tmp"))


@pytest.mark.slow
def test_fresh_export_in_empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real export (torch → ONNX, int8) into an empty folder; the second prepare reuses it."""
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.chdir(workdir)  # ONNX tools like to leave temporary files in the working folder
    encoder = OnnxEncoder.prepare(tmp_path / "cache", quantized=True)
    assert list(workdir.iterdir()) == []
    assert encoder.files is not None
    files = encoder.files
    assert sorted(p.name for p in files.folder.iterdir()) == ["model.fp32.onnx", "model.int8.onnx"]
    stamps = [files.fp32.stat().st_mtime_ns, files.int8.stat().st_mtime_ns]
    OnnxEncoder.prepare(tmp_path / "cache", quantized=True)
    assert [files.fp32.stat().st_mtime_ns, files.int8.stat().st_mtime_ns] == stamps
    assert encoder.encode(["a lantern in the fen"]).shape == (1, 384)
