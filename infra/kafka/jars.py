"""The broker's jars: resolved once from Maven Central into the shared cache.

`pom.xml` beside this file names the Kafka version and its logging backend. `ensure_jars` copies the
runtime dependencies into a folder named after the Kafka version and a digest of the pom, writes a
marker file when complete, and returns at once on later calls.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from infra.kafka.errors import KafkaSetupError

POM_PATH = Path(__file__).with_name("pom.xml")
COMPLETE_MARKER = ".complete"
_MAVEN_NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def kafka_version(pom_path: Path = POM_PATH) -> str:
    """The Kafka version the pom declares (its `kafka.version` property)."""
    node = ET.parse(pom_path).getroot().find("m:properties/m:kafka.version", _MAVEN_NS)
    if node is None or not (node.text or "").strip():
        raise KafkaSetupError(f"{pom_path.name} has no <kafka.version> property; restore it")
    return (node.text or "").strip()


def jars_dir_for(libs_dir: Path, pom_path: Path = POM_PATH) -> Path:
    """The versioned folder `ensure_jars` fills: a changed pom gets a fresh folder."""
    digest = hashlib.sha256(pom_path.read_bytes()).hexdigest()[:10]
    return libs_dir / f"kafka-{kafka_version(pom_path)}-{digest}"


def find_java() -> str:
    """The `java` executable on PATH, or a clear error saying how to get one."""
    java = shutil.which("java")
    if java is None:
        raise KafkaSetupError(
            "`java` not found on PATH: the Kafka broker needs Java 17 or newer "
            "(e.g. `apt-get install openjdk-17-jre-headless`), or point KAFKA_BOOTSTRAP "
            "at a running broker instead."
        )
    return java


def ensure_jars(libs_dir: Path, pom_path: Path = POM_PATH) -> Path:
    """Return a folder holding every jar the broker needs, resolving them the first time.

    Safe to call from several processes at once: a lock file serialises resolution and the
    folder only appears (by rename) once complete.
    """
    target = jars_dir_for(libs_dir, pom_path)
    if (target / COMPLETE_MARKER).exists():
        return target
    find_java()
    libs_dir.mkdir(parents=True, exist_ok=True)
    with (libs_dir / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / COMPLETE_MARKER).exists():  # another process finished meanwhile
            return target
        _resolve_into(target, pom_path)
    return target


def _resolve_into(target: Path, pom_path: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaSetupError(
            "`mvn` (Apache Maven) not found on PATH: it fetches the Kafka broker's jars once "
            "(e.g. `apt-get install maven`), or point KAFKA_BOOTSTRAP at a running broker instead."
        )
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(target, ignore_errors=True)
    version = kafka_version(pom_path)
    _progress(
        f"Fetching Apache Kafka {version} jars from Maven Central into {target.name} "
        "(one time, about 50 MB)..."
    )
    started = time.monotonic()
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom_path),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise KafkaSetupError(
            f"Maven could not resolve the Kafka {version} jars (exit {result.returncode}). "
            f"Check that Maven Central is reachable, then retry.\n{tail}"
        )
    jars = sorted(staging.glob("*.jar"))
    if not any(jar.name.startswith("kafka_2.13-") for jar in jars):
        raise KafkaSetupError(
            f"Maven finished but no kafka_2.13 jar arrived in {staging}; "
            f"check {pom_path.name} and retry."
        )
    (staging / COMPLETE_MARKER).write_text(f"kafka {version}, {len(jars)} jars\n")
    staging.rename(target)
    _progress(f"Kafka jars ready: {len(jars)} jars in {time.monotonic() - started:.1f}s.")


def _progress(message: str) -> None:
    print(f"[loreline kafka] {message}", file=sys.stderr, flush=True)
