"""The unprivileged system user PostgreSQL runs as, and the folders it must be able to reach.

PostgreSQL refuses to run as root. When we are root, initdb and pg_ctl run as the system user
`loreline-pg` (created once with `useradd --system`). When we are not root they run as ourselves.
"""

from __future__ import annotations

import grp
import logging
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.postgres.errors import PostgresError, PostgresPermissionError

log = logging.getLogger(__name__)

SYSTEM_USER = "loreline-pg"


@dataclass(frozen=True)
class RunAs:
    """Who PostgreSQL's processes run as; `switch` is True when that is not us (we are root)."""

    name: str
    uid: int
    gid: int
    groups: frozenset[int]
    switch: bool

    @classmethod
    def current(cls) -> RunAs:
        uid = os.geteuid()
        entry = pwd.getpwuid(uid)
        groups = frozenset(os.getgroups()) | {os.getegid()}
        return cls(entry.pw_name, uid, os.getegid(), groups, switch=False)

    @classmethod
    def for_postgres(cls) -> RunAs:
        """Ourselves, or, when we are root, the `loreline-pg` system user (created if missing)."""
        if os.geteuid() != 0:
            return cls.current()
        entry = ensure_system_user(SYSTEM_USER)
        groups = frozenset(os.getgrouplist(entry.pw_name, entry.pw_gid))
        return cls(entry.pw_name, entry.pw_uid, entry.pw_gid, groups, switch=True)

    def run(self, cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """`subprocess.run` as this user (dropping root's supplementary groups when switching)."""
        if self.switch:
            kwargs.update(user=self.uid, group=self.gid, extra_groups=[])
        return subprocess.run(cmd, text=True, **kwargs)

    def can_enter(self, folder: Path) -> bool:
        """True if this user may traverse `folder` (execute permission from its mode bits)."""
        return self._has(folder.stat(), stat.S_IXUSR, stat.S_IXGRP, stat.S_IXOTH)

    def can_read(self, path: Path) -> bool:
        return self._has(path.stat(), stat.S_IRUSR, stat.S_IRGRP, stat.S_IROTH)

    def _has(self, st: os.stat_result, user_bit: int, group_bit: int, other_bit: int) -> bool:
        if self.uid == 0:
            return True
        if st.st_uid == self.uid:
            return bool(st.st_mode & user_bit)
        if st.st_gid in self.groups:
            return bool(st.st_mode & group_bit)
        return bool(st.st_mode & other_bit)

    def chown(self, path: Path) -> None:
        if self.switch:
            os.chown(path, self.uid, self.gid)


def ensure_system_user(name: str) -> pwd.struct_passwd:
    """Return the passwd entry of system user `name`, creating it (and its group) if missing."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    if not Path(useradd).exists():
        raise PostgresError(
            f"PostgreSQL cannot run as root and `useradd` is missing to create the user {name!r}; "
            f"create a system user {name!r} yourself, or run Loreline as a non-root user"
        )
    cmd = [useradd, "--system", "--user-group", "--no-create-home"]
    cmd += ["--shell", "/usr/sbin/nologin", "--comment", "Loreline PostgreSQL", name]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    try:
        entry = pwd.getpwnam(name)  # a concurrent starter may have created it first
    except KeyError:
        raise PostgresError(
            f"could not create the system user {name!r} (`{' '.join(cmd)}` said: "
            f"{result.stderr.strip() or result.returncode}); create it yourself and start again"
        ) from None
    log.info("created system user %s (uid %d, group %s)", name, entry.pw_uid, _group(entry.pw_gid))
    return entry


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def temp_root() -> Path:
    return Path(tempfile.gettempdir()).resolve()


def ensure_reachable(path: Path, user: RunAs) -> None:
    """Make sure `user` can traverse every ancestor folder of `path`.

    Inside the system temporary folder (pytest's `pytest-of-root/` is 0700) a missing search bit
    is added for others (`o+x`: enter, not list). Anywhere else we do not loosen permissions: the
    error names the folder and the command that fixes it.
    """
    if user.uid == 0:
        return
    tmp = temp_root()
    for folder in reversed(path.resolve().parents):
        if user.can_enter(folder):
            continue
        if folder != tmp and folder.is_relative_to(tmp):
            folder.chmod(folder.stat().st_mode | stat.S_IXOTH)
            log.info("made %s traversable (o+x) for %s", folder, user.name)
            continue
        raise PostgresPermissionError(
            f"the PostgreSQL user {user.name!r} cannot enter {folder} "
            f"(mode {stat.S_IMODE(folder.stat().st_mode):o}); run `chmod o+x {folder}` "
            "or choose a data folder that user can reach"
        )


def check_binaries_usable(bin_dir: Path, user: RunAs) -> None:
    """Fail early, with the fix, if `user` cannot run the wheel's binaries."""
    if user.uid == 0:
        return
    for folder in reversed(bin_dir.resolve().parents):
        if not user.can_enter(folder):
            raise PostgresPermissionError(
                f"the PostgreSQL user {user.name!r} cannot reach the PostgreSQL binaries: "
                f"{folder} is not traversable; run `chmod o+x {folder}` (or install the project "
                "where other users can read it)"
            )
    postgres = bin_dir / "postgres"
    if not (user.can_enter(bin_dir) and user.can_read(postgres)):
        raise PostgresPermissionError(
            f"the PostgreSQL user {user.name!r} cannot run {postgres}; run "
            f"`chmod -R o+rX {bin_dir.parent}`"
        )
