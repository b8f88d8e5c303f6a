"""How the broker's JVMs are launched: the command line, and formatting storage once."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from infra.kafka.errors import KafkaStartError

BROKER_MAIN = "kafka.Kafka"
STORAGE_TOOL_MAIN = "kafka.tools.StorageTool"
STARTED_LINE = "Kafka Server started"  # what the broker logs once it serves requests


def java_command(
    java: str,
    jars: Path,
    main_class: str,
    args: Sequence[str],
    *,
    heap_mb: int,
    config_dir: Path,
    logs_dir: Path,
    extra_flags: Sequence[str] = (),
) -> list[str]:
    """`java <flags> -cp 'jars/*' main_class args`, with flags bounded for a 2-core machine."""
    return [
        java,
        f"-Xms{heap_mb}m",
        f"-Xmx{heap_mb}m",
        "-XX:+UseSerialGC",  # 2 cores: no parallel GC threads competing with the Python side
        "-XX:TieredStopAtLevel=1",  # C1 only: about half the start-up time, far less JIT CPU
        "-XX:+ExitOnOutOfMemoryError",
        *extra_flags,
        "-Djava.awt.headless=true",
        "-Djava.net.preferIPv4Stack=true",
        f"-Dlog4j.configuration=file:{config_dir / 'log4j.properties'}",
        f"-Dkafka.logs.dir={logs_dir}",
        "-cp",
        f"{jars}/*",
        main_class,
        *args,
    ]


def format_storage_once(
    java: str, jars: Path, config_dir: Path, log_dirs: Path, cluster_id: str
) -> None:
    """`kafka-storage format` for a new data folder; a no-op once `meta.properties` exists."""
    if (log_dirs / "meta.properties").exists():
        return
    command = java_command(
        java,
        jars,
        STORAGE_TOOL_MAIN,
        [
            "format",
            "--ignore-formatted",
            "--cluster-id",
            cluster_id,
            "--config",
            str(config_dir / "server.properties"),
        ],
        heap_mb=128,
        config_dir=config_dir,
        logs_dir=log_dirs,
    )
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise KafkaStartError(
            f"formatting Kafka storage in {log_dirs} failed (exit {result.returncode}); delete "
            f"that folder's parent to start afresh.\n{(result.stdout + result.stderr)[-2000:]}"
        )
