"""Small helpers every concern shares: settings as text, paths as the user writes them, exceptions
as one line, file reading that never reads more than a cap, and a function applied to every string of a report."""

from __future__ import annotations

import dataclasses
import errno
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

BOM = "\ufeff"


def as_text(value: object) -> str | None:
    """A setting's value as text, or None when it is unset or empty."""
    if value is None or value == "":
        return None
    return str(value)


def display_path(path: str | Path, roots: Iterable[Path | None], *, resolve: bool = False) -> str:
    """``path`` relative to the first of ``roots`` it lies below, as users write it; else as given.

    With ``resolve``, symbolic links in ``path`` are resolved first. A root itself stays as given.
    """
    for root in roots:
        if root is None:
            continue
        try:
            relative = (Path(path).resolve() if resolve else Path(path)).relative_to(root)
        except (ValueError, OSError):
            continue
        if relative.parts:
            return relative.as_posix()
    return str(path)


def describe_exception(exc: BaseException, limit: int | None = None) -> str:
    """An exception as its type and message, cut to ``limit`` characters."""
    text = f"{type(exc).__name__}: {exc}"
    return text if limit is None else text[:limit]


def error_text(exc: BaseException) -> str:
    """An exception as one line: its type and its message (OSError without the noisy errno prefix)."""
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{type(exc).__name__}: {exc.strerror}{where}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def read_head(path: str | Path, limit: int) -> bytes:
    """At most the first ``limit`` bytes of a file; OSError when it cannot be opened."""
    with open(path, "rb") as handle:
        return handle.read(limit)


def read_head_text(path: str | Path, limit: int) -> str | None:
    """At most the first ``limit`` bytes of a file as text, or None when it cannot be read."""
    try:
        return read_head(path, limit).decode("utf-8", errors="replace")
    except OSError:
        return None


def read_text_file(path: Path, limit: int) -> str:
    """A regular file's text, at most ``limit`` bytes. Opened non-blocking and checked with fstat()
    before reading, so a FIFO, a device or /dev/stdin named by a project file raises OSError
    instead of blocking the run."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file; not read")
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(descriptor, 1 << 16):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise OSError(errno.EFBIG, f"larger than {limit} bytes; not read")
    finally:
        os.close(descriptor)
    return b"".join(chunks).decode("utf-8", errors="replace").removeprefix(BOM)


def map_strings(value: Any, function: Callable[[str], str]) -> Any:
    """A copy of ``value`` (dataclasses, mappings, tuples, lists, strings) with ``function`` applied to every string in it."""
    if isinstance(value, str):
        return function(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(
            value, **{field.name: map_strings(getattr(value, field.name), function) for field in dataclasses.fields(value)}
        )
    if isinstance(value, Mapping):
        return {map_strings(key, function): map_strings(item, function) for key, item in value.items()}
    if isinstance(value, tuple):
        return tuple(map_strings(item, function) for item in value)
    if isinstance(value, list):
        return [map_strings(item, function) for item in value]
    return value
