"""Small helpers every static sub-topic shares: paths as the user knows them, and bounded lists."""

from __future__ import annotations

import errno
import os
import stat

from django_deploy_concepts.helpers import error_text

# Facts list every instance and checks give one message for each: JSON is complete. The text and
# markdown renderers summarise long runs of one id with a count (renderers.MAX_FINDINGS_PER_ID).


def absolute(path: object) -> str | None:
    """``path`` made absolute as Django does (os.path.abspath), or None when it is not a path."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        return None
    return os.path.abspath(os.fspath(path))


def real(path: object) -> str | None:
    """``path`` with symbolic links resolved, so two spellings of one folder compare equal."""
    absolute_path = absolute(path)
    if absolute_path is None:
        return None
    try:
        return os.path.realpath(absolute_path)
    except (OSError, ValueError):
        return absolute_path


def is_within(inner: str, outer: str) -> bool:
    """True when ``inner`` is ``outer`` or a folder below it (both absolute)."""
    return inner == outer or inner.startswith(outer.rstrip(os.sep) + os.sep)


def unreadable_reason(full_path: str, mode: int | None, exc: OSError | None) -> str | None:
    """Why a listed file cannot be copied, from its stat() mode or error; None when it can be."""
    if exc is not None:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop"
        if isinstance(exc, FileNotFoundError) and os.path.islink(full_path):
            try:
                target = os.readlink(full_path)
            except OSError:
                target = "?"
            return f"a symbolic link to a missing file ({target})"
        return error_text(exc)
    if mode is None:
        return None
    if stat.S_ISREG(mode):
        return None if mode & 0o444 else "not readable (no read permission)"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device, not a file"
    return "not a regular file"


def size(count: int) -> str:
    """A byte count as people read it: 341 bytes, 1.4 MB."""
    value = float(count)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"
