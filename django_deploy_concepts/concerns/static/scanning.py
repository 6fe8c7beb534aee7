"""The hot loops of the static files inspection, over plain data: paths, texts, compiled patterns, known names.

Standard library only, so that they can run anywhere, a worker process included; the sub-topic
modules decide what the results mean and turn them into facts.
"""

from __future__ import annotations

import errno
import os

# Whatever the platform names them; 0 where it has no such flag.
READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
# A file of unknown size is read in pieces of this size; most templates take one.
READ_CHUNK = 1 << 16


class FileTooLarge(OSError):
    """Raised by the readers beyond their limit."""


def read_listed(path: str, size: int, limit: int) -> bytes:
    """The bytes of a file the listing found regular, with ``size`` bytes then, bounded by ``limit``.

    One read sized by the listing's stat(): an fstat() here would cost more than reading a small
    file. Opened non-blocking, so a file replaced by a FIFO since cannot hang the run.
    """
    if size > limit:
        raise too_large(path, limit)
    descriptor = os.open(path, READ_FLAGS)
    try:
        data = os.read(descriptor, size + 1)
        # A short read: the file changed since, or a platform reads in pieces; read on to the end.
        return data if len(data) >= size else read_to_end(descriptor, data, path, limit)
    finally:
        os.close(descriptor)


def read_found(path: str, limit: int) -> bytes:
    """The bytes of a file a folder listing found regular (DirEntry.is_file()), bounded by ``limit``, without fstat()."""
    descriptor = os.open(path, READ_FLAGS)
    try:
        return read_to_end(descriptor, b"", path, limit)
    finally:
        os.close(descriptor)


def read_to_end(descriptor: int, data: bytes, path: str, limit: int) -> bytes:
    chunks, total = [data] if data else [], len(data)
    while chunk := os.read(descriptor, READ_CHUNK):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise too_large(path, limit)
    return b"".join(chunks)


def too_large(path: str, limit: int) -> FileTooLarge:
    return FileTooLarge(errno.EFBIG, f"larger than {limit // 1024 // 1024} MB; not read", path)
