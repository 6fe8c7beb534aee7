"""Small, tolerant readers for the YAML and TOML files of a project (start commands, dependencies).

PyYAML is not a dependency and ``tomllib`` arrived in Python 3.11, so this module reads the subset
those files use (block mappings and sequences, quoted and block scalars, flow lists, anchors; TOML
tables, strings, numbers, arrays) and keeps the line of each value. A file outside that subset
raises ``FormatError`` with its line, which becomes a finding, never a traceback.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from typing import Any

MAX_DEPTH = 40


class FormatError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(f"line {line}: {message}" if line else message)
        self.line = line


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

NULLS = frozenset({"", "~", "null", "Null", "NULL"})
BLOCK_SCALAR = re.compile(r"^[|>][+-]?[0-9]?$")
ANCHOR = re.compile(r"^&([^\s]+)\s*")


@dataclasses.dataclass
class _Line:
    number: int
    indent: int
    text: str


def strip_comment(text: str) -> str:
    """The text before a ``#`` comment that is outside quotes."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = ""
        elif char in "'\"" and (index == 0 or text[index - 1] in " \t:[{,-"):
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index].rstrip()
    return text.rstrip()


def split_key(text: str) -> tuple[str, str] | None:
    """``key: rest`` -> (key, rest), with quoted keys; None when the text is not a mapping entry."""
    if text[:1] in "'\"":
        end = text.find(text[0], 1)
        if end == -1 or not text[end + 1 :].startswith(":"):
            return None
        rest = text[end + 2 :]
        if rest and not rest.startswith((" ", "\t")):
            return None
        return text[1:end], rest.strip()
    match = re.match(r"^([^\s#'\"\[\]{},][^#]*?|<<)\s*:(?:\s+|$)(.*)$", text)
    if match is None or match[1].startswith(("- ", "[", "{")):
        return None
    return match[1].strip(), match[2].strip()


class _YamlReader:
    def __init__(self, text: str) -> None:
        self.raw = text.splitlines()
        self.lines: list[_Line] = []
        self.anchors: dict[str, YamlNode] = {}
        for number, raw in enumerate(self.raw, start=1):
            content = raw.rstrip()
            stripped = content.lstrip(" ")
            if stripped.startswith("\t") or (stripped and content[: len(content) - len(stripped)].count("\t")):
                raise FormatError("a tab is used for indentation (YAML allows spaces only)", number)
            if stripped in ("---", "...") or stripped.startswith("--- ") or stripped.startswith("%"):
                if self.lines and stripped != "---" and not stripped.startswith("%"):
                    break
                if self.lines:
                    break  # a second document: the first one is what the platform reads
                continue
            self.lines.append(_Line(number, len(content) - len(stripped), stripped))
        self.position = 0

    def significant(self, line: _Line) -> bool:
        return bool(strip_comment(line.text))

    def skip_blank(self) -> None:
        while self.position < len(self.lines) and not self.significant(self.lines[self.position]):
            self.position += 1

    def current(self) -> _Line | None:
        self.skip_blank()
        return self.lines[self.position] if self.position < len(self.lines) else None

    def parse(self) -> YamlNode | None:
        line = self.current()
        if line is None:
            return None
        node = self.block(line.indent, 0)
        rest = self.current()
        if rest is not None:
            raise FormatError("unexpected indentation or text after the document", rest.number)
        return node

    def block(self, indent: int, depth: int) -> YamlNode:
        if depth > MAX_DEPTH:
            raise FormatError("nested too deeply")
        line = self.current()
        assert line is not None
        text = strip_comment(line.text)
        if text == "-" or text.startswith("- "):
            return self.sequence(indent, depth)
        if split_key(text) is not None:
            return self.mapping(indent, depth)
        node = self.value(strip_comment(line.text), line, indent, depth, consume=True)
        following = self.current()
        if following is not None and following.indent == indent:
            raise FormatError(f"expected 'key: value', found {text[:40]!r}", line.number)
        return node

    def sequence(self, indent: int, depth: int) -> YamlList:
        first = self.current()
        assert first is not None
        items: list[YamlNode] = []
        while (line := self.current()) is not None and line.indent == indent:
            text = strip_comment(line.text)
            if not (text == "-" or text.startswith("- ")):
                break
            rest = text[1:].lstrip()
            if not rest:
                self.position += 1
                following = self.current()
                if following is not None and following.indent > indent:
                    items.append(self.block(following.indent, depth + 1))
                else:
                    items.append(YamlScalar(None, line.number))
                continue
            offset = len(line.text) - len(line.text[1:].lstrip())
            if split_key(rest) is not None or rest == "-" or rest.startswith("- "):
                # "- key: value" opens a mapping whose keys line up with "key".
                self.lines[self.position] = _Line(line.number, indent + offset, line.text[offset:])
                items.append(self.block(indent + offset, depth + 1))
            else:
                items.append(self.value(rest, line, indent, depth, consume=True))
        if (line := self.current()) is not None and line.indent > indent:
            raise FormatError("unexpected indentation", line.number)
        return YamlList(items, first.number)

    def mapping(self, indent: int, depth: int) -> YamlMap:
        first = self.current()
        assert first is not None
        items: dict[str, YamlNode] = {}
        while (line := self.current()) is not None and line.indent == indent:
            text = strip_comment(line.text)
            entry = split_key(text)
            if entry is None:
                if text == "-" or text.startswith("- "):
                    break
                raise FormatError(f"expected 'key: value', found {text[:40]!r}", line.number)
            key, rest = entry
            self.position += 1
            node = self.entry_value(rest, line, indent, depth)
            if key == "<<":
                for merged in node.items if isinstance(node, YamlList) else [node]:
                    if isinstance(merged, YamlMap):
                        for merged_key, merged_value in merged.items.items():
                            items.setdefault(merged_key, merged_value)
                continue
            items[key] = node
        if (line := self.current()) is not None and line.indent > indent:
            raise FormatError("unexpected indentation", line.number)
        return YamlMap(items, first.number)

    def entry_value(self, rest: str, line: _Line, indent: int, depth: int) -> YamlNode:
        anchor = None
        match = ANCHOR.match(rest)
        if match:
            anchor, rest = match[1], rest[match.end() :]
        if rest == "":
            following = self.current()
            if following is not None and (
                following.indent > indent or (following.indent == indent and strip_comment(following.text).startswith("- "))
            ):
                node = self.block(following.indent, depth + 1)
            else:
                node = YamlScalar(None, line.number)
        else:
            node = self.value(rest, line, indent, depth, consume=False)
        if anchor:
            self.anchors[anchor] = node
        return node

    def value(self, text: str, line: _Line, indent: int, depth: int, *, consume: bool) -> YamlNode:
        """A value written after ``key:`` or ``-``; multi-line forms read the following lines."""
        if consume:
            self.position += 1
        match = ANCHOR.match(text)
        if match:
            anchor = match[1]
            node = self.value(text[match.end() :], line, indent, depth, consume=False)
            self.anchors[anchor] = node
            return node
        if text.startswith("*"):
            name = text[1:].strip()
            if name not in self.anchors:
                raise FormatError(f"alias *{name} names no anchor", line.number)
            return self.anchors[name]
        if BLOCK_SCALAR.match(text):
            return self.block_scalar(text, line, indent)
        if text[:1] in "[{":
            return self.flow(text, line)
        if text[:1] in "'\"":
            return self.quoted(text, line)
        # A plain scalar may continue on more-indented lines.
        parts = [text]
        while (following := self.current()) is not None and following.indent > indent and split_key(strip_comment(following.text)) is None:
            parts.append(strip_comment(following.text))
            self.position += 1
        value = " ".join(parts)
        return YamlScalar(None if value in NULLS else value, line.number)

    def block_scalar(self, header: str, line: _Line, indent: int) -> YamlScalar:
        collected: list[str] = []
        raw_index = line.number  # raw lines are 0-based; the block starts on the next line
        block_indent = None
        while raw_index < len(self.raw):
            raw = self.raw[raw_index]
            stripped = raw.lstrip(" ")
            if stripped:
                current_indent = len(raw) - len(stripped)
                if current_indent <= indent:
                    break
                if block_indent is None:
                    block_indent = current_indent
                collected.append(raw[min(block_indent, current_indent) :])
            else:
                collected.append("")
            raw_index += 1
        # Skip the parsed lines that belong to the block.
        while self.position < len(self.lines) and self.lines[self.position].number <= raw_index:
            self.position += 1
        while collected and not collected[-1]:
            collected.pop()
        value = " ".join(part for part in collected if part) if header.startswith(">") else "\n".join(collected)
        return YamlScalar(value, line.number)

    def quoted(self, text: str, line: _Line) -> YamlScalar:
        quote = text[0]
        collected = text
        while True:
            end = closing_quote(collected, quote)
            if end != -1:
                break
            following = self.current()
            if following is None:
                raise FormatError(f"unclosed {quote} quote", line.number)
            collected += " " + following.text.strip()
            self.position += 1
        trailing = strip_comment(collected[end + 1 :]).strip()
        if trailing:
            raise FormatError(f"unexpected text after the quoted value: {trailing[:40]!r}", line.number)
        return YamlScalar(unquote(collected[: end + 1], line.number), line.number)

    def flow(self, text: str, line: _Line) -> YamlNode:
        collected = text
        while not flow_balanced(collected):
            following = self.current()
            if following is None:
                raise FormatError(f"unclosed {text[0]}", line.number)
            collected += " " + strip_comment(following.text)
            self.position += 1
        node, end = parse_flow(collected, 0, line.number)
        if collected[end:].strip():
            raise FormatError(f"unexpected text after {text[0]}...: {collected[end:].strip()[:40]!r}", line.number)
        return node


def closing_quote(text: str, quote: str) -> int:
    index = 1
    while index < len(text):
        char = text[index]
        if quote == '"' and char == "\\":
            index += 2
            continue
        if char == quote:
            if quote == "'" and text[index + 1 : index + 2] == "'":
                index += 2
                continue
            return index
        index += 1
    return -1


def unquote(text: str, line: int) -> str:
    if text[0] == "'":
        return text[1:-1].replace("''", "'")
    try:
        return str(json.loads(text))
    except ValueError:
        # YAML escapes beyond JSON's (\e, \x41, ...) are rare in start commands: keep them as written.
        return text[1:-1]


def flow_balanced(text: str) -> bool:
    depth = 0
    quote = ""
    index = 0
    while index < len(text):
        char = text[index]
        if quote:
            if quote == '"' and char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "'\"":
            quote = char
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
        index += 1
    return depth <= 0 and not quote


def parse_flow(text: str, index: int, line: int) -> tuple[YamlNode, int]:
    while index < len(text) and text[index] == " ":
        index += 1
    if index >= len(text):
        return YamlScalar(None, line), index
    opener = text[index]
    if opener in "[{":
        closer = "]" if opener == "[" else "}"
        index += 1
        items: list[YamlNode] = []
        mapping: dict[str, YamlNode] = {}
        while True:
            while index < len(text) and text[index] in " ,":
                index += 1
            if index >= len(text):
                raise FormatError(f"unclosed {opener}", line)
            if text[index] == closer:
                index += 1
                break
            node, index = parse_flow(text, index, line)
            if opener == "{":
                while index < len(text) and text[index] == " ":
                    index += 1
                if index < len(text) and text[index] == ":":
                    value, index = parse_flow(text, index + 1, line)
                else:
                    value = YamlScalar(None, line)
                key = node.value if isinstance(node, YamlScalar) else None
                mapping[key or ""] = value
            else:
                items.append(node)
            while index < len(text) and text[index] == " ":
                index += 1
            if index < len(text) and text[index] not in ",]}":
                raise FormatError(f"expected ',' or {closer!r} in a flow collection", line)
        return (YamlMap(mapping, line) if opener == "{" else YamlList(items, line)), index
    if opener in "'\"":
        end = closing_quote(text[index:], opener)
        if end == -1:
            raise FormatError(f"unclosed {opener} quote", line)
        return YamlScalar(unquote(text[index : index + end + 1], line), line), index + end + 1
    end = index
    while end < len(text) and text[end] not in ",]}" and not (text[end] == ":" and text[end + 1 : end + 2] in (" ", "")):
        end += 1
    plain = text[index:end].strip()
    return YamlScalar(None if plain in NULLS else plain, line), end


def read_yaml(text: str) -> YamlNode | None:
    """The first document of ``text``; raises FormatError with the line of the first problem."""
    return _YamlReader(text).parse()


def yaml_text(node: YamlNode | None) -> str | None:
    """A scalar's text, or a list of scalars joined as a shell command (compose's exec form)."""
    if isinstance(node, YamlScalar):
        return node.value
    if isinstance(node, YamlList) and all(isinstance(item, YamlScalar) for item in node.items):
        import shlex

        return shlex.join(item.value or "" for item in node.items if isinstance(item, YamlScalar))
    return None


def yaml_words(node: YamlNode | None) -> list[str] | None:
    """The words of an exec-form list, or None when ``node`` is not a list of scalars."""
    if isinstance(node, YamlList) and all(isinstance(item, YamlScalar) for item in node.items):
        return [item.value or "" for item in node.items if isinstance(item, YamlScalar)]
    return None


# TOML -------------------------------------------------------------------------------------------------


TOML_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*(?:#.*)?$")
TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def read_toml(text: str) -> dict[str, Any]:
    """The TOML document: ``tomllib`` where Python has it, the minimal reader below on 3.10."""
    if sys.version_info >= (3, 11):
        import tomllib

        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise FormatError(str(exc)) from None
    return read_minimal_toml(text)


def read_minimal_toml(text: str) -> dict[str, Any]:
    """The reader Python 3.10 gets, callable on any version so its tests run everywhere."""
    return _MiniToml(text).parse()


def toml_key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of each ``key = value``, by table path and key (array tables are numbered)."""
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
            array_depth += raw.count("[") - raw.count("]")
            array_depth = max(array_depth, 0)
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
            rest = strip_comment(raw[key.end() :]).strip()
            for opener in ('"""', "'''"):
                if rest.startswith(opener) and rest.count(opener) == 1:
                    open_until = opener
            if rest.startswith("["):
                array_depth = max(rest.count("[") - rest.count("]"), 0)
    return lines


def split_dotted(text: str) -> list[str]:
    parts = re.findall(r"\"[^\"]*\"|'[^']*'|[^.]+", text)
    return [part.strip().strip("\"'") for part in parts if part.strip()]


class _MiniToml:
    """Enough TOML for platform files on Python 3.10: tables, strings, numbers, booleans, arrays."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.index = 0
        self.line = 1

    def error(self, message: str) -> FormatError:
        return FormatError(message, self.line)

    def parse(self) -> dict[str, Any]:
        root: dict[str, Any] = {}
        table = root
        while self.skip_space_and_comments(newlines=True):
            if self.peek() == "[":
                table = self.header(root)
            else:
                self.key_value(table)
            self.end_of_line()
        return root

    def peek(self, size: int = 1) -> str:
        return self.text[self.index : self.index + size]

    def advance(self, size: int = 1) -> None:
        self.line += self.text.count("\n", self.index, self.index + size)
        self.index += size

    def skip_space_and_comments(self, *, newlines: bool) -> bool:
        while self.index < len(self.text):
            char = self.peek()
            if char in " \t\r" or (newlines and char == "\n"):
                self.advance()
            elif char == "#":
                while self.index < len(self.text) and self.peek() != "\n":
                    self.advance()
            else:
                return True
        return False

    def end_of_line(self) -> None:
        self.skip_space_and_comments(newlines=False)
        if self.index < len(self.text) and self.peek() != "\n":
            raise self.error(f"expected the end of the line, found {self.text[self.index : self.index + 20]!r}")

    def header(self, root: dict[str, Any]) -> dict[str, Any]:
        array = self.peek(2) == "[["
        self.advance(2 if array else 1)
        path = self.key()
        self.skip_space_and_comments(newlines=False)
        closing = "]]" if array else "]"
        if self.peek(len(closing)) != closing:
            raise self.error("unclosed table header")
        self.advance(len(closing))
        table = root
        for name in path[:-1]:
            table = self.descend(table, name)
        last = path[-1]
        if array:
            entries = table.setdefault(last, [])
            if not isinstance(entries, list):
                raise self.error(f"{last!r} is both a table and an array of tables")
            entries.append({})
            return entries[-1]  # type: ignore[no-any-return]
        return self.descend(table, last)

    def descend(self, table: dict[str, Any], name: str) -> dict[str, Any]:
        child = table.setdefault(name, {})
        if isinstance(child, list):
            child = child[-1]
        if not isinstance(child, dict):
            raise self.error(f"{name!r} is already a value, not a table")
        return child

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_space_and_comments(newlines=False)
            char = self.peek()
            if char in "\"'":
                parts.append(self.string())
            else:
                match = re.match(r"[A-Za-z0-9_-]+", self.text[self.index :])
                if match is None:
                    raise self.error("expected a key")
                parts.append(match[0])
                self.advance(match.end())
            self.skip_space_and_comments(newlines=False)
            if self.peek() != ".":
                return parts
            self.advance()

    def key_value(self, table: dict[str, Any]) -> None:
        path = self.key()
        self.skip_space_and_comments(newlines=False)
        if self.peek() != "=":
            raise self.error("expected '=' after a key")
        self.advance()
        self.skip_space_and_comments(newlines=False)
        value = self.value()
        for name in path[:-1]:
            table = self.descend(table, name)
        if path[-1] in table:
            raise self.error(f"{path[-1]!r} is defined twice")
        table[path[-1]] = value

    def value(self) -> Any:
        char = self.peek()
        if char in "\"'":
            return self.string()
        if char == "[":
            return self.array()
        if char == "{":
            return self.inline_table()
        match = re.match(r"[^\s,\]}#]+", self.text[self.index :])
        if match is None:
            raise self.error("expected a value")
        word = match[0]
        self.advance(match.end())
        if word in ("true", "false"):
            return word == "true"
        number = word.replace("_", "")
        try:
            return int(number, 0) if not re.search(r"[.eE]", number) or number.startswith("0x") else float(number)
        except ValueError:
            if re.match(r"^\d{4}-\d{2}-\d{2}", word):
                return word
            raise self.error(f"invalid value {word[:30]!r}") from None

    def string(self) -> str:
        quote = self.peek()
        if self.peek(3) == quote * 3:
            self.advance(3)
            end = self.text.find(quote * 3, self.index)
            if end == -1:
                raise self.error("unclosed multi-line string")
            raw = self.text[self.index : end]
            self.advance(end - self.index + 3)
            raw = raw[1:] if raw.startswith("\n") else raw
            return raw if quote == "'" else self.unescape(raw)
        self.advance()
        start = self.index
        while self.index < len(self.text) and self.peek() not in (quote, "\n"):
            if quote == '"' and self.peek() == "\\":
                self.advance()
            self.advance()
        if self.peek() != quote:
            raise self.error("unclosed string")
        raw = self.text[start : self.index]
        self.advance()
        return raw if quote == "'" else self.unescape(raw)

    def unescape(self, raw: str) -> str:
        try:
            return str(json.loads('"' + raw.replace("\n", "\\n").replace("\t", "\\t") + '"'))
        except ValueError:
            raise self.error("invalid escape in a string") from None

    def array(self) -> list[Any]:
        self.advance()
        items: list[Any] = []
        while True:
            self.skip_space_and_comments(newlines=True)
            if self.peek() == "]":
                self.advance()
                return items
            if not self.peek():
                raise self.error("unclosed array")
            items.append(self.value())
            self.skip_space_and_comments(newlines=True)
            if self.peek() == ",":
                self.advance()
            elif self.peek() != "]":
                raise self.error("expected ',' or ']' in an array")

    def inline_table(self) -> dict[str, Any]:
        self.advance()
        table: dict[str, Any] = {}
        while True:
            self.skip_space_and_comments(newlines=False)
            if self.peek() == "}":
                self.advance()
                return table
            if not self.peek() or self.peek() == "\n":
                raise self.error("unclosed inline table")
            self.key_value(table)
            self.skip_space_and_comments(newlines=False)
            if self.peek() == ",":
                self.advance()
