"""`loreline doctor`: check what the local stack needs and say how to fix what is missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from loreline.state.ports import port_open


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None


def _java_major() -> int | None:
    java = shutil.which("java")
    if java is None:
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr
    for token in out.replace('"', " ").split():
        head = token.split(".")[0]
        if head.isdigit() and int(head) >= 8:
            return int(head)
    return None


def run_checks(home: Path, ports: list[int]) -> list[Check]:
    checks: list[Check] = []
    py_ok = sys.version_info >= (3, 11)
    checks.append(
        Check("python", py_ok, sys.version.split()[0], None if py_ok else "install Python 3.11+")
    )
    major = _java_major()
    checks.append(
        Check(
            "java",
            major is not None and major >= 17,
            f"Java {major}" if major else "not found",
            None
            if major and major >= 17
            else "install a JDK 17+ (Debian: apt-get install openjdk-17-jre-headless)",
        )
    )
    mvn = shutil.which("mvn")
    checks.append(
        Check(
            "maven",
            mvn is not None,
            mvn or "not found",
            None
            if mvn
            else "install Maven (Debian: apt-get install maven); it resolves the Kafka jars",
        )
    )
    home.mkdir(parents=True, exist_ok=True)
    free_gib = shutil.disk_usage(home).free / 2**30
    checks.append(
        Check(
            "disk",
            free_gib >= 10,
            f"{free_gib:.1f} GiB free under the state folder",
            None
            if free_gib >= 10
            else "free 10 GiB: the vLLM environment alone takes about 6.5 GiB",
        )
    )
    for port in ports:
        busy = port_open("127.0.0.1", port)
        checks.append(
            Check(
                f"port {port}",
                not busy,
                "in use" if busy else "free",
                f"stop what listens on {port} or set another port" if busy else None,
            )
        )
    chromium = shutil.which("chromium")
    checks.append(
        Check(
            "chromium (browser tests only)",
            chromium is not None,
            chromium or "not found",
            None if chromium else "apt-get install -y chromium (only the browser tests need it)",
        )
    )
    return checks
