"""Every ``{% static "literal" %}`` in every template the engines can load, checked against the finders.

Found with the engines' own lexers (Django's Lexer, Jinja2's parser), without rendering anything.
Django: https://docs.djangoproject.com/en/stable/ref/templates/builtins/#static
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urlsplit

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts.concerns.static.common import unreadable_reason
from django_deploy_concepts.concerns.static.facts import Facts, TemplateFacts, TemplateProblem, TemplateReference
from django_deploy_concepts.concerns.static.finders import Listing, listing
from django_deploy_concepts.concerns.static.scanning import (
    DJANGO_TAG_PATTERN,
    NOT_PLAIN,
    PLAIN_STATIC_TAG,
    FileTooLarge,
    loaded_libraries,
    read_found,
    removed_libraries,
    verified_static_tags,
)
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import display_path, error_text
from django_deploy_concepts.report import Fact, Step

MAX_TEMPLATE_FILES = 100_000
# Larger templates are not scanned (Django's loaders still read them): their {% static %} paths are not verified.
MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
TOO_LARGE = "too large"
# A quoted path with nothing Django would interpret in it: no filter, escape or nested quote.
PLAIN_LITERAL = re.compile(r"""^(["'])([^"'\\|]*)\1$""")
DJANGO_BACKEND = "django.template.backends.django.DjangoTemplates"
JINJA2_BACKEND = "django.template.backends.jinja2.Jinja2"


# Facts --------------------------------------------------------------------------------------------


class TemplateRoot(NamedTuple):
    syntax: str
    directory: str
    # The Django Engine (for its tag libraries) or the Jinja2 Environment.
    engine: Any


class Scan:
    """What the scan gathers while it goes; turned into TemplateFacts at the end."""

    def __init__(self, files: Listing, base_dir: Any) -> None:
        self.files = files
        self.base_dir = base_dir
        self.templates = self.references = self.verified = self.unverifiable = 0
        self.missing: list[TemplateReference] = []
        self.missing_count = 0
        self.problems: list[TemplateProblem] = []
        self.problems_count = 0
        self.not_scanned: list[str] = []
        # The template being scanned: its full path (None when in memory) and its name.
        self.current: tuple[str | None, str] = (None, "")

    @property
    def template(self) -> str:
        """The current template as the user finds it: its path in the project, else its name."""
        full_path, name = self.current
        if full_path is None:
            return name
        shown = display_path(full_path, (self.base_dir,))
        return shown if shown != full_path else name

    def problem(self, line: int | None, problem: str, kind: str, template: str | None = None) -> None:
        self.problems_count += 1
        self.problems.append(TemplateProblem(template or self.template, line, problem, kind))

    def reference(self, line: int, path: str) -> None:
        self.references += 1
        key = manifest_key(path)
        if key is None:
            self.unverifiable += 1
        elif key in self.files.files:
            self.verified += 1
        else:
            self.missing_count += 1
            self.missing.append(TemplateReference(self.template, line, path, self.files.suggest(key)))


def manifest_key(path: str) -> str | None:
    """The name a manifest storage looks up for ``{% static path %}``; None for a folder ("img/")."""
    if not NOT_PLAIN.search(path):
        key = path.strip()
        return None if key.endswith("/") else key
    clean_name, _ = urldefrag(path)
    if urlsplit(clean_name).path.endswith("/"):
        return None
    return urlsplit(unquote(clean_name)).path.strip()


class AnyFilter:
    """Stands in for a template parser: every filter name resolves, so only the syntax is checked."""

    @staticmethod
    def find_filter(name: str) -> Any:
        return accept_any


def accept_any(value: Any, arg: Any = None) -> Any:
    return value


def literal_path(expression: str) -> tuple[str | None, str | None]:
    """The path of ``{% static expression %}`` when it is a plain string, else (None, syntax error or None)."""
    from django.template.base import FilterExpression
    from django.template.exceptions import TemplateSyntaxError

    match = PLAIN_LITERAL.match(expression)
    if match:
        return match.group(2), None
    try:
        parsed = FilterExpression(expression, AnyFilter())  # type: ignore[arg-type]
    except TemplateSyntaxError as exc:
        return None, str(exc)
    if not parsed.filters and isinstance(parsed.var, str):
        return str(parsed.var), None
    return None, None


def static_libraries(engine: Any) -> tuple[bool, dict[str, bool]]:
    """Whether {% static %} is built in, and which loadable libraries provide it."""
    builtins = getattr(engine, "template_builtins", [])
    libraries = getattr(engine, "template_libraries", {})
    built_in = any("static" in getattr(library, "tags", {}) for library in builtins)
    return built_in, {name: "static" in getattr(library, "tags", {}) for name, library in libraries.items()}


def scan_django_template(scan: Scan, text: str, libraries: tuple[bool, dict[str, bool]]) -> None:
    """A template whose {% static %} paths all name files is counted in one quick pass; any other is read in full."""
    from django.template.base import tag_re

    counts = verified_static_tags(text, *libraries, scan.files.files) if tag_re.pattern == DJANGO_TAG_PATTERN else None
    if counts is None:
        scan_django(scan, text, libraries)
    else:
        verified, folders = counts
        scan.references += verified + folders
        scan.verified += verified
        scan.unverifiable += folders


def scan_django(scan: Scan, text: str, libraries: tuple[bool, dict[str, bool]]) -> None:
    """Every {% static %} tag of a Django template, in order, knowing which {% load %} came before.

    The tags are those Django's Lexer makes, found with its own expression; only block tags are
    looked at (no Token objects for the rest), and lines are counted only up to the tags that matter.
    """
    from django.template.base import BLOCK_TAG_START, tag_re

    static_loaded, providers = libraries
    in_comment = False
    verbatim = ""
    line, counted_to = 1, 0
    for match in tag_re.finditer(text):
        tag = match[0]
        if tag[:2] != BLOCK_TAG_START:
            continue
        contents = tag[2:-2].strip()
        # As Lexer.create_token: between {% verbatim %} and its end tag, block tags are text.
        if verbatim:
            if contents != verbatim:
                continue
            verbatim = ""
        elif contents[:9] in ("verbatim", "verbatim "):
            verbatim = f"end{contents}"
        if in_comment:
            # {% comment %} blocks are never rendered: their tags are not checked.
            in_comment = contents != "endcomment"
            continue
        command = contents.split(None, 1)[0] if contents else ""
        if command not in ("", "comment", "load", "static"):
            continue
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        if not command:
            scan.problem(line, f"Empty block tag on line {line}", "syntax")
        elif command == "comment":
            in_comment = True
        elif command == "load":
            static_loaded = load_provides_static(scan, contents, line, providers) or static_loaded
        else:
            static_tag(scan, contents, line, static_loaded)
    if in_comment:
        scan.problem(None, "Unclosed tag 'comment'. Looking for one of: endcomment.", "syntax")


def load_provides_static(scan: Scan, contents: str, line: int, providers: dict[str, bool]) -> bool:
    """Whether a {% load %} tag makes {% static %} available; a library Django removed is reported."""
    provides, libraries = loaded_libraries(contents, providers)
    for library in removed_libraries(libraries, providers):
        scan.problem(line, f"'{library}' is not a registered tag library (removed in Django 3.0)", "syntax")
        # The {% static %} tags below fail for the same reason: one message for it.
        provides = True
    return provides


def static_tag(scan: Scan, contents: str, line: int, static_loaded: bool) -> None:
    """One {% static %} tag: its path looked up when it is a literal, its syntax read as Django's parser reads it."""
    from django.template.base import Token, TokenType

    plain = PLAIN_STATIC_TAG.match(contents)
    if plain is not None and static_loaded:
        scan.reference(line, plain.group(2))
        return
    bits = Token(TokenType.BLOCK, contents).split_contents()
    if len(bits) < 2:
        scan.problem(line, "'static' takes at least one argument (path to file)", "syntax")
    elif not static_loaded:
        scan.problem(line, "Invalid block tag 'static'. Did you forget to {% load static %}?", "syntax")
    else:
        path, error = literal_path(bits[1])
        if error is not None:
            scan.problem(line, error, "syntax")
        elif path is None:
            scan.references += 1
            scan.unverifiable += 1
        else:
            scan.reference(line, path)


def scan_jinja2(scan: Scan, text: str, environment: Any) -> None:
    from jinja2 import TemplateSyntaxError, nodes

    try:
        tree = environment.parse(text)
    except TemplateSyntaxError as exc:
        scan.problem(exc.lineno, f"TemplateSyntaxError: {exc.message}", "syntax")
        return
    for call in tree.find_all(nodes.Call):
        if not isinstance(call.node, nodes.Name) or call.node.name != "static":
            continue
        argument = call.args[0] if call.args else None
        if isinstance(argument, nodes.Const) and isinstance(argument.value, str):
            scan.reference(call.lineno or 0, argument.value)
        else:
            scan.references += 1
            scan.unverifiable += 1


def loader_directories(loader: Any, directories: list[str], in_memory: dict[str, str]) -> None:
    inner = getattr(loader, "loaders", None)
    if isinstance(inner, list):
        for child in inner:
            loader_directories(child, directories, in_memory)
        return
    templates = getattr(loader, "templates_dict", None)
    if isinstance(templates, dict):
        in_memory.update((str(name), str(text)) for name, text in templates.items())
    get_dirs = getattr(loader, "get_dirs", None)
    if callable(get_dirs):
        directories.extend(os.fspath(directory) for directory in get_dirs())


def template_roots(scan: Scan) -> tuple[list[str], list[TemplateRoot], list[tuple[str, str, Any]]]:
    """The engines, the folders their loaders read, and in-memory (locmem) templates."""
    from django.template import engines

    described: list[str] = []
    roots: list[TemplateRoot] = []
    in_memory_templates: list[tuple[str, str, Any]] = []
    try:
        aliases = list(engines.templates)
    except Exception as exc:  # noqa: BLE001 - a malformed TEMPLATES setting
        scan.problem(None, error_text(exc), "engine", template="TEMPLATES")
        return described, roots, in_memory_templates
    for alias in aliases:
        try:
            backend = engines[alias]
            path = f"{type(backend).__module__}.{type(backend).__qualname__}"
            if isinstance_of(backend, DJANGO_BACKEND):
                directories: list[str] = []
                in_memory: dict[str, str] = {}
                for loader in backend.engine.template_loaders:  # type: ignore[attr-defined]
                    loader_directories(loader, directories, in_memory)
                roots += [TemplateRoot("django", directory, backend.engine) for directory in directories]  # type: ignore[attr-defined]
                in_memory_templates += [(name, text, backend.engine) for name, text in in_memory.items()]  # type: ignore[attr-defined]
                described.append(f"{alias} (Django templates)")
            elif isinstance_of(backend, JINJA2_BACKEND):
                roots += [TemplateRoot("jinja2", os.fspath(directory), backend.env) for directory in backend.template_dirs]  # type: ignore[attr-defined]
                described.append(f"{alias} (Jinja2)")
            else:
                described.append(f"{alias} ({path}, not scanned)")
        except Exception as exc:  # noqa: BLE001 - a backend or loader that cannot be built
            scan.problem(None, error_text(exc), "engine", template=f"TEMPLATES engine {alias!r}")
    return described, roots, in_memory_templates


def isinstance_of(value: object, dotted_path: str) -> bool:
    return any(f"{cls.__module__}.{cls.__qualname__}" == dotted_path for cls in type(value).__mro__)


def walk(directory: str, scan: Scan, seen: set[tuple[int, int]]) -> Iterator[tuple[str, str]]:
    """(template name, full path) of every file below ``directory``, following links to folders.

    A folder reached again through a link below itself is a loop, reported once; a folder already
    walked from another root (DIRS holding an app's templates) is skipped quietly.
    """
    pending: list[tuple[str, str, tuple[tuple[int, int], ...]]] = [(directory, "", ())]
    while pending:
        folder, prefix, ancestors = pending.pop()
        try:
            status = os.stat(folder)
            key = (status.st_dev, status.st_ino)
            if key in ancestors:
                scan.problem(None, "a symbolic link loop; not followed", "unreadable", template=display_path(folder, (scan.base_dir,)))
                continue
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(folder) as entries:
                children = sorted(entries, key=lambda entry: entry.name)
        except OSError as exc:
            if folder != directory:
                scan.problem(None, error_text(exc), "unreadable", template=display_path(folder, (scan.base_dir,)))
            continue
        for entry in reversed(children):
            if entry.name.startswith(".") or entry.name == "__pycache__":
                continue
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError:
                is_dir = is_file = False
            if is_dir:
                pending.append((entry.path, f"{prefix}{entry.name}/", (*ancestors, key)))
            elif is_file:
                yield f"{prefix}{entry.name}", entry.path
            else:
                scan.problem(None, describe_non_file(entry.path), "unreadable", template=display_path(entry.path, (scan.base_dir,)))


def describe_non_file(path: str) -> str:
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return unreadable_reason(path, None, exc) or error_text(exc)
    return unreadable_reason(path, mode, None) or "not a regular file"


def read_template(full_path: str, charset: str) -> tuple[str | None, str | None, bool]:
    """The text, a problem (TOO_LARGE over the size cap), and whether the file is binary (not a template at all)."""
    try:
        data = read_found(full_path, MAX_TEMPLATE_BYTES)
    except FileTooLarge:
        return None, TOO_LARGE, False
    except OSError as exc:
        return None, error_text(exc), False
    if b"\x00" in data:
        return None, None, True
    try:
        return data.decode(charset), None, False
    except (UnicodeDecodeError, LookupError) as exc:
        line = data.count(b"\n", 0, getattr(exc, "start", 0)) + 1
        return None, f"not valid {charset} near line {line}: loading it raises UnicodeDecodeError", False


def scan_templates(context: ProjectContext) -> TemplateFacts:
    scan = Scan(listing(context), context.base_dir)
    engines, roots, in_memory = template_roots(scan)
    # Folders walked, per template syntax: one file read twice with one syntax would be reported twice.
    seen: dict[str, set[tuple[int, int]]] = {}
    directories = 0
    truncated = False
    for syntax, directory, engine in roots:
        if not os.path.isdir(directory):
            continue
        directories += 1
        charset = getattr(engine, "file_charset", "utf-8") or "utf-8"
        libraries = static_libraries(engine) if syntax == "django" else (False, {})
        for name, full_path in walk(directory, scan, seen.setdefault(syntax, set())):
            if scan.templates >= MAX_TEMPLATE_FILES:
                truncated = True
                break
            text, problem, binary = read_template(full_path, charset)
            if binary:
                continue
            scan.templates += 1
            scan.current = (full_path, name)
            if problem == TOO_LARGE:
                scan.not_scanned.append(scan.template)
            elif problem is not None:
                scan.problem(None, problem, "encoding" if "valid" in problem else "unreadable")
            elif text is not None and "static" in text:
                scan_template(scan, syntax, text, engine, libraries)
    for name, text, engine in in_memory:
        scan.templates += 1
        scan.current = (None, name)
        if "static" in text:
            scan_template(scan, "django", text, engine, static_libraries(engine))
    return TemplateFacts(
        engines=tuple(engines),
        directories=directories,
        templates=scan.templates,
        references=scan.references,
        verified=scan.verified,
        unverifiable=scan.unverifiable,
        missing=tuple(scan.missing),
        missing_count=scan.missing_count,
        problems=tuple(scan.problems),
        problems_count=scan.problems_count,
        truncated=truncated,
        not_scanned=tuple(scan.not_scanned),
    )


def scan_template(scan: Scan, syntax: str, text: str, engine: Any, libraries: tuple[bool, dict[str, bool]]) -> None:
    try:
        if syntax == "django":
            scan_django_template(scan, text, libraries)
        else:
            scan_jinja2(scan, text, engine)
    except Exception as exc:  # noqa: BLE001 - a template our scan cannot read is reported, the others still are
        scan.problem(None, f"could not be scanned: {error_text(exc)}", "syntax")


def collect(context: ProjectContext) -> TemplateFacts:
    from django.apps import apps

    if not apps.is_installed("django.contrib.staticfiles"):
        return TemplateFacts()
    return context.memo("static:templates", lambda: scan_templates(context))  # type: ignore[no-any-return]


# Checks -------------------------------------------------------------------------------------------


def missing_hint(facts: Facts, reference: TemplateReference) -> str:
    fix = f"Did you mean {reference.suggestion!r}?" if reference.suggestion else "Add the file or fix the path."
    if facts.storage.manifest and facts.storage.manifest_strict:
        return f"{fix} The page fails: ValueError: Missing staticfiles manifest entry."
    return f"{fix} The browser gets a 404 for it."


def check_template_references(facts: Facts) -> list[CheckMessage]:
    templates = facts.templates

    def message(reference: TemplateReference) -> CheckMessage:
        return Error(
            f"{reference.template}:{reference.line}: no static file {reference.path!r}.",
            hint=missing_hint(facts, reference),
            id="deploy_static.E020",
        )

    return [message(reference) for reference in templates.missing]


PROBLEM_HINTS = {
    "syntax": "Rendering it raises TemplateSyntaxError; fix the tag.",
    "encoding": "Save it as UTF-8 (or set the engine's file_charset).",
    "unreadable": "Template loaders cannot read it: replace or delete it.",
    "engine": "Fix the TEMPLATES setting; no template of this engine can load.",
}


def w021(problem: TemplateProblem) -> Warning:
    where = problem.template if problem.line is None else f"{problem.template}:{problem.line}"
    return Warning(f"{where}: {problem.problem}", hint=PROBLEM_HINTS[problem.kind], id="deploy_static.W021")


def check_template_problems(facts: Facts) -> list[CheckMessage]:
    return [w021(problem) for problem in facts.templates.problems]


CHECKS = (check_template_references, check_template_problems)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts) -> list[Step]:
    missing = facts.templates.missing
    if not missing:
        return []
    lines = [
        f"{reference.template}:{reference.line}  {{% static {reference.path!r} %}}"
        + (f"  ->  {{% static {reference.suggestion!r} %}}" if reference.suggestion else "  (no close match)")
        for reference in missing[:10]
    ]
    return [
        Step(
            "Fix the {% static %} paths that name no file.",
            "Under runserver they are a quiet 404; under a manifest storage each page that uses one is a Server Error (500) "
            '"ValueError: Missing staticfiles manifest entry". Closest existing paths:',
            "\n".join(lines),
            "text",
        )
    ]


def found(facts: Facts) -> list[Fact]:
    scanned = facts.templates
    if not scanned.engines:
        return []
    summary = (
        f"{scanned.references} in {scanned.templates} templates ({', '.join(scanned.engines)}): {scanned.verified} found, "
        f"{scanned.missing_count} missing, {scanned.unverifiable} built from variables (not verifiable)"
    )
    found = [Fact("{% static %} in templates", summary, not scanned.missing_count)]
    if scanned.not_scanned:
        found.append(Fact(f"Templates not scanned (over {MAX_TEMPLATE_BYTES // 1024 // 1024} MB)", ", ".join(scanned.not_scanned), None))
    return found
