"""Thin readers over PyYAML, tomllib (tomli on Python 3.10) and packaging that keep line numbers.

Start commands and dependencies are read from YAML, TOML and pip requirements files. A file that
cannot be read raises ``FormatError`` with its line, which becomes a finding, never a traceback.
Every reader is bounded: input size, YAML aliases (counted at each use) and nesting depth.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from packaging.markers import Marker, default_environment

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_TEXT_CHARS = 1024 * 1024
MAX_DEPTH = 40
# Values a YAML document may expand to, each alias counted every time it is used: a few hundred in
# a real compose file, billions in an alias bomb of a few hundred bytes.
MAX_YAML_NODES = 100_000
# libyaml's parser when PyYAML was built with it (the wheels are), else PyYAML's own.
YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MERGE_TAG = "tag:yaml.org,2002:merge"
NULL_TAG = "tag:yaml.org,2002:null"
BOM = "\ufeff"


class FormatError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


def check_size(text: str) -> None:
    if len(text) > MAX_TEXT_CHARS:
        raise FormatError(f"larger than {MAX_TEXT_CHARS} characters; not read")


def read_text_file(path: Path, limit: int = MAX_TEXT_CHARS) -> str:
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


# YAML -----------------------------------------------------------------------------------------------


@dataclasses.dataclass
class YamlScalar:
    value: str | None
    line: int


@dataclasses.dataclass
class YamlList:
    items: list[YamlNode]
    line: int


@dataclasses.dataclass
class YamlMap:
    items: dict[str, YamlNode]
    line: int

    def get(self, key: str) -> YamlNode | None:
        return self.items.get(key)


YamlNode = YamlScalar | YamlList | YamlMap


def read_yaml(text: str) -> YamlNode | None:
    """The first document of ``text`` with merge keys applied; raises FormatError with the line of the first problem."""
    check_size(text)
    loader = None
    try:
        loader = YAML_LOADER(text)
        node = loader.get_node() if loader.check_node() else None
    except yaml.MarkedYAMLError as exc:
        raise yaml_error(exc, text) from None
    except yaml.YAMLError as exc:
        raise FormatError(str(exc).splitlines()[0]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return None if node is None else YamlTree().convert(node, 0)


def yaml_error(exc: yaml.MarkedYAMLError, text: str) -> FormatError:
    message = ": ".join(part for part in (exc.context, exc.problem) if part) or "not valid YAML"
    mark = exc.problem_mark
    # Found at the end of the text, the problem is what was left open: point at where it opened.
    if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
        mark = exc.context_mark
    return FormatError(message, mark.line + 1 if mark is not None else None)


class YamlTree:
    """PyYAML's node graph as a tree of values with lines; aliases are expanded within MAX_YAML_NODES."""

    def __init__(self) -> None:
        self.budget = MAX_YAML_NODES

    def convert(self, node: yaml.Node, depth: int) -> YamlNode:
        line = node.start_mark.line + 1
        self.budget -= 1
        if self.budget < 0:
            raise FormatError(f"the document expands to more than {MAX_YAML_NODES} values (aliases used over and over)", line)
        if depth > MAX_DEPTH:
            raise FormatError("nested too deeply (or an alias that contains itself)", line)
        if isinstance(node, yaml.SequenceNode):
            return YamlList([self.convert(item, depth + 1) for item in node.value], line)
        if isinstance(node, yaml.MappingNode):
            items: dict[str, YamlNode] = {}
            for key, value in node.value:
                if key.tag == MERGE_TAG:
                    # <<: *base or <<: [*web, *image]: keys written here win, then the first source.
                    for source in value.value if isinstance(value, yaml.SequenceNode) else [value]:
                        merged = self.convert(source, depth + 1)
                        for name, item in merged.items.items() if isinstance(merged, YamlMap) else ():
                            items.setdefault(name, item)
                elif isinstance(key, yaml.ScalarNode):
                    items[str(key.value)] = self.convert(value, depth + 1)
            return YamlMap(items, line)
        return YamlScalar(None if node.tag == NULL_TAG else str(node.value), line)


def yaml_words(node: YamlNode | None) -> list[str] | None:
    """The words of an exec-form list, or None when ``node`` is not a list of scalars."""
    if isinstance(node, YamlList) and all(isinstance(item, YamlScalar) for item in node.items):
        return [item.value or "" for item in node.items if isinstance(item, YamlScalar)]
    return None


def yaml_text(node: YamlNode | None) -> str | None:
    """A scalar's text (a block scalar without its final newline), or an exec-form list as a shell command."""
    if isinstance(node, YamlScalar):
        return None if node.value is None else node.value.rstrip("\n")
    words = yaml_words(node)
    if words is None:
        return None
    import shlex

    return shlex.join(words)


# TOML -------------------------------------------------------------------------------------------------


TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(?:#.*)?$")
TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def read_toml(text: str) -> dict[str, Any]:
    """The TOML document, read by tomllib (tomli on Python 3.10)."""
    check_size(text)
    try:
        return tomllib.loads(text.removeprefix(BOM))
    except tomllib.TOMLDecodeError as exc:
        raise FormatError(str(exc)) from None


def toml_key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each ``key = value``, by table path and key (array tables are numbered).

    tomllib gives values without positions; this finds the line each key is written on, for the
    reports, after ``read_toml`` has checked the document.
    """
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    counts: dict[tuple[str, ...], int] = {}
    open_until = ""  # inside a multi-line string or array value: the text that closes it
    array_depth = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if open_until:
            if open_until in raw:
                open_until = ""
            continue
        if array_depth:
            array_depth = max(array_depth + raw.count("[") - raw.count("]"), 0)
            continue
        header = TOML_HEADER.match(raw)
        if header:
            path = tuple(split_dotted(header[2]))
            if header[1] == "[[":
                counts[path] = counts.get(path, -1) + 1
                table = (*path, str(counts[path]))
            else:
                table = path
            lines.setdefault(table, number)
            continue
        key = TOML_KEY.match(raw)
        if key:
            lines.setdefault((*table, *split_dotted(key[1])), number)
            rest = raw[key.end() :].strip()
            for opener in ('"""', "'''"):
                if rest.startswith(opener) and rest.count(opener) == 1:
                    open_until = opener
            if rest.startswith("["):
                array_depth = max(rest.count("[") - rest.count("]"), 0)
    return lines


def split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", text)
    return [part.strip().strip("\"'") for part in parts if part.strip()]


# pip requirements files -------------------------------------------------------------------------------

# pip's own rule (pip._internal.req.req_file): a comment starts at a # at the start of a line or after blanks.
PIP_COMMENT = re.compile(r"(^|\s+)#.*$")
# The environment markers of the Linux machines the platforms deploy to, with this Python's version.
LINUX: dict[str, str] = {
    **{key: str(value) for key, value in default_environment().items()},
    **{"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix", "extra": ""},
}


def pip_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line, text) of each logical line of a requirements file: ``\\`` continuations joined the way
    pip joins them, comments removed, and the line of the first physical line, as pip reports it."""
    start: int | None = None
    pending: list[str] = []
    for number, line in enumerate(text.removeprefix(BOM).splitlines(), start=1):
        if line.endswith("\\") and not PIP_COMMENT.match(line):
            if not pending:
                start = number
            pending.append(line.strip("\\"))
            continue
        if PIP_COMMENT.match(line):
            line = " " + line
        if pending:
            pending.append(line)
            number, line, pending = start or number, "".join(pending), []
        line = PIP_COMMENT.sub("", line).strip()
        if line:
            yield number, line
    if pending:
        line = PIP_COMMENT.sub("", "".join(pending)).strip()
        if line:
            yield start or 1, line


def on_linux(marker: Marker | str | None) -> bool:
    """Whether an environment marker holds on a Linux deploy; a marker that cannot be evaluated counts as true."""
    if marker is None or marker == "":
        return True
    try:
        return (marker if isinstance(marker, Marker) else Marker(marker)).evaluate(LINUX)
    except ValueError:  # InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
        return True
