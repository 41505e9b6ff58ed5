"""Results that verify themselves: checksums of files and of the manifest, and a writer's lock.

* every file of a results folder is recorded in its manifest with its SHA-256 (and, for the
  Parquet parts, its row count), so a truncated, deleted or edited file is found when the
  folder is read or resumed;
* the manifest carries the SHA-256 of its own canonical JSON, so an edited field is found too;
* one process at a time writes a folder: :class:`FolderLock` holds an exclusive ``flock`` on
  ``.lock`` inside it. The kernel drops the lock when the process dies, however it dies, so a
  killed run never leaves a stale lock behind. The lock file is opened without following a
  symbolic link (``O_NOFOLLOW``) and must be a regular file with one name: a ``.lock`` that
  leads elsewhere is refused, never truncated.

What the checksums are, honestly: ``manifest_sha256`` is a SHA-256 anyone can recompute, not a
keyed seal. It finds damage and a hand edit that did not recompute it. What protects a folder
from a deliberate edit is that nothing in a manifest is trusted beyond what can be checked
against the disk: part names must be the folder's own fixed names (:mod:`sim.experiments.confine`
keeps every path inside the folder), and every part's recorded SHA-256 and row count must match
the file before the part is used. A keyed seal (HMAC) would need a secret that the same user
who can edit the folder can read, and would make folders unreadable on another machine: it
would claim more than it gives.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS: no lock
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".lock"
SELF_CHECKSUM = "manifest_sha256"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_checksum(manifest: dict[str, Any], field: str = SELF_CHECKSUM) -> str:
    """SHA-256 of the manifest's canonical JSON (sorted keys), its own checksum ``field`` left out."""
    body = {k: v for k, v in manifest.items() if k != field}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, allow_nan=True, separators=(",", ":"))
    return sha256_bytes(text.encode("utf-8"))


def seal(manifest: dict[str, Any], field: str = SELF_CHECKSUM) -> dict[str, Any]:
    """The manifest with its checksum ``field`` set (last)."""
    body = {k: v for k, v in manifest.items() if k != field}
    return {**body, field: manifest_checksum(body, field)}


def is_sealed(manifest: dict[str, Any], field: str = SELF_CHECKSUM) -> bool:
    return manifest.get(field) == manifest_checksum(manifest, field)


class FolderError(Exception):
    """A results folder that cannot be used as asked; the message is one line.

    (Defined here, a light module, so that the command line can catch it without importing
    pyarrow; :mod:`sim.experiments.results_folder` re-exports it.)"""


class LockedError(Exception):
    """Another process holds the folder's lock; the message is one line."""


class FolderLock:
    """An exclusive, non-blocking ``flock`` on ``folder/.lock``, held until :meth:`release`."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> FolderLock:
        if fcntl is None:
            return self
        flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(self.path, flags, 0o644)
        except OSError as err:
            if err.errno == errno.ELOOP or self.path.is_symlink():
                raise FolderError(
                    f"{self.path}: is a symbolic link: the lock file must be the folder's own; remove it, "
                    "or choose another --out"
                ) from None
            raise FolderError(f"{self.path}: cannot be opened: {err.strerror or err}") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            os.close(fd)
            what = "not a regular file" if not stat.S_ISREG(info.st_mode) else "a hard link to another file"
            raise FolderError(f"{self.path}: is {what}: the lock file must be the folder's own; remove it")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            try:
                holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            except OSError:
                holder = "unknown"
            os.close(fd)
            raise LockedError(
                f"{self.path.parent}: another bordersim process (pid {holder}) is writing this folder; "
                "wait for it to end or stop it, then --resume"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            try:
                os.ftruncate(self._fd, 0)  # no pid left behind: a finished folder's files match
            except OSError:
                pass
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None
