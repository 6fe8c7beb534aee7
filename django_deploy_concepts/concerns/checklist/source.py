"""The settings source, parsed with ``ast`` and never executed: where DEBUG and SECRET_KEY come from.

Every location is a file and line; no value read from the source is ever kept, so a literal
SECRET_KEY cannot leak through the facts.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path

from django_deploy_concepts.helpers import display_path

# Calls that read an environment variable: os.environ.get, os.getenv, and their imported names.
ENVIRON_GETTERS = frozenset({"os.environ.get", "environ.get", "os.getenv", "getenv", "os.environ.setdefault", "environ.setdefault"})
ENVIRON_MAPPINGS = frozenset({"os.environ", "environ"})
# Calls whose result is different in every process: a key made of one of them changes per worker.
KEY_GENERATORS = frozenset(
    {
        "get_random_secret_key",
        "get_random_string",
        "token_hex",
        "token_urlsafe",
        "token_bytes",
        "urandom",
        "uuid4",
        "uuid1",
        "generate_key",
        "getrandbits",
        "choice",
        "choices",
        "randint",
        "random",
        "SystemRandom",
    }
)


@dataclasses.dataclass(frozen=True)
class Location:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclasses.dataclass(frozen=True)
class ParsedSource:
    path: str
    # The path as shown to the user: relative to the project when possible.
    display: str
    tree: ast.Module | None
    syntax_error: str | None


@dataclasses.dataclass(frozen=True)
class EnvironRead:
    """An expression that reads os.environ; ``default`` is the fallback node, if any."""

    variable: str | None
    default: ast.expr | None


def parse_sources(sources: Mapping[str, str], roots: tuple[Path, ...]) -> tuple[ParsedSource, ...]:
    parsed: list[ParsedSource] = []
    for path, text in sources.items():
        display = display_path(path, roots, resolve=True)
        try:
            tree = ast.parse(text, filename=display)
        except (SyntaxError, ValueError) as exc:
            line = getattr(exc, "lineno", None)
            where = f" (line {line})" if line else ""
            # The message of a SyntaxError never holds the offending text itself, only its kind.
            reason = getattr(exc, "msg", None) or type(exc).__name__
            parsed.append(ParsedSource(path, display, None, f"{type(exc).__name__}{where}: {reason}"))
            continue
        parsed.append(ParsedSource(path, display, tree, None))
    return tuple(parsed)


def dotted_name(node: ast.expr) -> str | None:
    """``os.environ.get`` for the node of that expression; None for anything that is not a plain name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def called_name(node: ast.AST) -> str | None:
    return dotted_name(node.func) if isinstance(node, ast.Call) else None


def string_value(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def environ_read(node: ast.AST) -> EnvironRead | None:
    """The environment read ``node`` is, taken as it is (no conversion around it), or None."""
    name = called_name(node)
    if isinstance(node, ast.Call) and name in ENVIRON_GETTERS:
        variable = string_value(node.args[0]) if node.args else None
        default = node.args[1] if len(node.args) > 1 else next((kw.value for kw in node.keywords if kw.arg == "default"), None)
        return EnvironRead(variable, default)
    if isinstance(node, ast.Subscript) and dotted_name(node.value) in ENVIRON_MAPPINGS:
        return EnvironRead(string_value(node.slice), None)
    return None


def assigned_value(node: ast.AST, name: str) -> ast.expr | None:
    if isinstance(node, ast.Assign) and any(isinstance(target, ast.Name) and target.id == name for target in node.targets):
        return node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
        return node.value
    return None


def assignments(parsed: tuple[ParsedSource, ...], name: str) -> Iterator[tuple[Location, ast.expr]]:
    """Every ``NAME = value`` (also annotated) in the sources, in file then line order."""
    for source in parsed:
        if source.tree is None:
            continue
        found = [
            (node.lineno, value)
            for node in ast.walk(source.tree)
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and (value := assigned_value(node, name)) is not None
        ]
        for line, value in sorted(found, key=lambda item: item[0]):
            yield Location(source.display, line), value


def imports_module(parsed: tuple[ParsedSource, ...], module: str) -> Location | None:
    """Where the sources first import ``module`` (``import x`` or ``from x import ...``)."""
    for source in parsed:
        if source.tree is None:
            continue
        lines = [
            node.lineno
            for node in ast.walk(source.tree)
            if (isinstance(node, ast.Import) and any(alias.name.split(".")[0] == module for alias in node.names))
            or (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == module)
        ]
        if lines:
            return Location(source.display, min(lines))
    return None


def generates_key(node: ast.AST) -> bool:
    """True when evaluating ``node`` calls something random (a new value in every process)."""
    for child in ast.walk(node):
        name = called_name(child) if isinstance(child, ast.Call) else None
        if name and name.rsplit(".", 1)[-1] in KEY_GENERATORS:
            return True
    return False
