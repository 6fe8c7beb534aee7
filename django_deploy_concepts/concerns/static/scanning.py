"""The hot loops of the static files inspection, over plain data: paths, texts, compiled patterns, known names.

Standard library only; the sub-topic modules decide what the results mean and turn them into facts.
"""

from __future__ import annotations

import errno
import os
import re
from bisect import bisect_left
from collections.abc import Container, Sequence
from itertools import chain, repeat
from operator import and_

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


# Templates ----------------------------------------------------------------------------------------

# Django's Lexer splits templates with this expression (django.template.base.tag_re).
DJANGO_TAG_PATTERN = r"({%.*?%}|{{.*?}}|{#.*?#})"
# The same tags, consumed the same way, but only block tags that can matter to {% static %} (their
# contents and "%}" captured; "" for the others): static, load, comment and verbatim tags, and
# empty ones. A tag is one line, so "\s*" looking across a line end finds nothing more.
STATIC_RELEVANT_TAG = re.compile(r"{%(?=\s*(?:static|load|(?:end)?comment|(?:end)?verbatim|%}))(.*?%})|{%.*?%}|{{.*?}}|{#.*?#}")
# The usual whole tag, {% static "path" %} or {% static "path" as name %}: read without split_contents().
PLAIN_STATIC_TAG = re.compile(r"""^static\s+(["'])([^"'\\|\s]*)\1(?:\s+as\s+\w+)?$""")
# A path without these characters is looked up as it is: no scheme, query, fragment or escape.
NOT_PLAIN = re.compile(r"[#?%:]")
# Libraries that older tutorials load; Django 3.0 removed them.
REMOVED_LIBRARIES = ("staticfiles", "admin_static")


def loaded_libraries(contents: str, providers: dict[str, bool]) -> tuple[bool, list[str]]:
    """Whether a {% load %} tag makes {% static %} available, and the libraries it names."""
    bits = contents.split()[1:]
    if "from" in bits:
        return "static" in bits[: bits.index("from")] and providers.get(bits[-1], False), [bits[-1]]
    return any(providers.get(name, False) for name in bits), bits


def removed_libraries(libraries: list[str], providers: dict[str, bool]) -> list[str]:
    """The libraries Django 3.0 removed that no installed app provides again."""
    return [library for library in libraries if library in REMOVED_LIBRARIES and library not in providers]


def verified_static_tags(text: str, static_loaded: bool, providers: dict[str, bool], known: Container[str]) -> tuple[int, int] | None:
    """(verified, folder) counts of a Django template's {% static %} tags, when all of them read cleanly.

    None when the template needs the detailed scan: a path to report (no such file, not plain), a
    tag Django would fail on, or one read the long way. Walks the tags as that scan does (same
    {% comment %} and {% verbatim %} rules), skipping tags that cannot matter and line numbers.
    """
    in_comment = False
    verbatim = ""
    verified = folders = 0
    for tag in filter(None, STATIC_RELEVANT_TAG.findall(text)):
        contents = tag[:-2].strip()
        if verbatim:
            if contents != verbatim:
                continue
            verbatim = ""
        elif contents[:9] in ("verbatim", "verbatim "):
            verbatim = f"end{contents}"
        if in_comment:
            in_comment = contents != "endcomment"
            continue
        command = contents.split(None, 1)[0] if contents else ""
        if command == "static":
            plain = PLAIN_STATIC_TAG.match(contents) if static_loaded else None
            if plain is None or NOT_PLAIN.search(path := plain[2]):
                return None
            if path.endswith("/"):
                folders += 1
            elif path in known:
                verified += 1
            else:
                return None
        elif command == "load":
            provides, libraries = loaded_libraries(contents, providers)
            if removed_libraries(libraries, providers):
                return None
            static_loaded = provides or static_loaded
        elif command == "comment":
            in_comment = True
        elif not command:
            return None
    return None if in_comment else (verified, folders)


# Stylesheets --------------------------------------------------------------------------------------


def block_boundaries(ignored: re.Pattern[str], text: str) -> list[int]:
    """Where each block ``ignored`` finds in ``text`` starts and ends, in one flat list: [start, end, start, end, ...]."""
    return list(chain.from_iterable(map(re.Match.span, ignored.finditer(text))))


def inside_blocks(positions: Sequence[int], boundaries: list[int]) -> list[bool] | None:
    """Whether each position lies strictly inside a block (HashedFilesMixin.is_in_ignored_block); None when none does.

    A position with an even number of boundaries before it lies between blocks; with an odd number,
    inside the block that started last, unless it is where that block ends.
    """
    counts = list(map(bisect_left, repeat(boundaries), positions))
    if not any(map(and_, counts, repeat(1))):
        return None
    return [count & 1 == 1 and boundaries[count] != position for count, position in zip(counts, positions, strict=True)]
