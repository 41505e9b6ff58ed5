"""Reading inputs within bounds: files of a limited size that are regular files, values nested
to a limited depth. Used by scenario files, ``--set`` values and every other file a command reads
(targets, sweep and point files, manifests), so that no input can exhaust memory or hang a read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.scenario.errors import ScenarioError
from sim.scenario.limits import MAX_NESTING


def read_bounded(path: str | Path, limit: int, what: str = "file", name: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; :class:`ScenarioError` (one line
    naming the path) otherwise.

    Opened without blocking (a FIFO would wait for a writer) and checked to be a regular file
    (``/dev/zero`` reports a size of 0 and never ends); at most ``limit + 1`` bytes are read.
    Messages name the file as ``name`` (default: ``path`` as given).
    """
    shown = str(path) if name is None else name
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise ScenarioError([f"{shown}: cannot be read: {err.strerror or err}"]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ScenarioError([f"{shown}: {kind}: expected a {what}"])
        if info.st_size > limit:
            raise ScenarioError(
                [f"{shown}: {info.st_size:,} bytes: expected a {what} of at most {limit:,} bytes"]
            )
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as err:
        raise ScenarioError([f"{shown}: cannot be read: {err.strerror or err}"]) from None
    finally:
        os.close(fd)
    if size > limit:
        raise ScenarioError(
            [f"{shown}: more than {limit:,} bytes: expected a {what} of at most {limit:,} bytes"]
        )
    return b"".join(chunks)


def nesting_depth(value: Any, stop: int = MAX_NESTING + 1) -> int:
    """How deep tables and arrays nest in ``value`` (a scalar: 0), counted up to ``stop``;
    iterative, so that any depth is measured without recursion."""
    deepest = 0
    todo = [(value, 0)]
    while todo:
        node, depth = todo.pop()
        if isinstance(node, Mapping | list | tuple):
            depth += 1
            deepest = max(deepest, depth)
            if deepest >= stop:
                return deepest
            todo.extend((child, depth) for child in (node.values() if isinstance(node, Mapping) else node))
    return deepest
