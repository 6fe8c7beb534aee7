"""References inside stylesheets and scripts, read as the manifest storage's post-processing reads them.

``url()``, ``@import`` and source map comments name other files; collectstatic with a hashing
storage rewrites each to its hashed name and stops when one is missing. The patterns are the
storage class's own (``HashedFilesMixin.patterns``), so a project that changes them is read its way.
Django: https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#manifeststaticfilesstorage
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import importlib
import posixpath
import re
import sys
from collections.abc import Callable
from itertools import compress
from operator import not_
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import unquote, urldefrag, urlsplit

from django.core.checks import CheckMessage, Error

from django_deploy_concepts import forked
from django_deploy_concepts.concerns.static.common import error_text
from django_deploy_concepts.concerns.static.finders import Listing, listing, parent
from django_deploy_concepts.concerns.static.scanning import FileTooLarge, block_boundaries, blocks_expression, inside_blocks, read_listed
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Fact, Step

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.static import Facts

MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
MAX_STYLESHEET_BYTES = 16 * 1024 * 1024
# What HashedFilesMixin.url_converter leaves alone: "data:", "https:" and other schemes.
SCHEME = re.compile(r"^[a-z]+:")
# A reference without these characters is a plain path: no scheme, query, fragment or escape.
NOT_PLAIN = re.compile(r"[#?%:]")
# What a reference resolves to, when not a missing path: a file (or folder), or nothing collectstatic looks up.
FOUND = 1
LEFT_ALONE = 0


class ReferencePattern(NamedTuple):
    """One of the storage's patterns, compiled as HashedFilesMixin.__init__ compiles it."""

    pattern: re.Pattern[str]
    # Comments and string literals whose matches Django 6.1 leaves alone; None before 6.1.
    ignored: re.Pattern[str] | None
    # The text every match starts with (lower case when the pattern ignores case), or "".
    prefix: str
    prefix_any_case: bool

    def references(self, text: str, lowered: str | None) -> list[tuple[int, str]]:
        """(position, url) of each match, in order, exactly as pattern.finditer(text) finds them.

        ``lowered`` is text.lower() when the text is ASCII (same positions), else None. A match can
        only start where its prefix is, so only those places are tried, rather than stepping a
        case-insensitive search through every character; a file without the prefix costs one find().
        """
        haystack = lowered if self.prefix_any_case else text
        if not self.prefix or haystack is None:
            return [(match.start(), match["url"]) for match in self.pattern.finditer(text)]
        found = []
        prefix, match_at = self.prefix, self.pattern.match
        position = haystack.find(prefix)
        while position >= 0:
            match = match_at(text, position)
            if match is None:
                position = haystack.find(prefix, position + 1)
            else:
                found.append((position, match["url"]))
                # finditer() goes on from the end of a match; a prefix is never empty, nor the match.
                position = haystack.find(prefix, match.end())
        return found


CompiledPatterns = tuple[tuple[str, tuple[ReferencePattern, ...]], ...]


# Facts --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BrokenReference:
    file: str
    line: int
    reference: str
    # The static path the reference resolves to, as collectstatic looks it up.
    resolved: str
    suggestion: str | None


@dataclasses.dataclass(frozen=True)
class StylesheetFacts:
    # The storage class whose patterns were used: the configured one when it hashes names.
    patterns_from: str = ""
    files: int = 0
    references: int = 0
    verified: int = 0
    # Data URIs, absolute URLs, fragments, and (Django 6.1+) references inside comments or strings.
    ignored: int = 0
    missing: tuple[BrokenReference, ...] = ()
    missing_count: int = 0
    # Files the post-processing must decode as UTF-8 but cannot.
    undecodable: tuple[str, ...] = ()
    undecodable_count: int = 0
    # Files that could not be read at all, with the reason.
    unread: tuple[tuple[str, str], ...] = ()


@functools.lru_cache(maxsize=8)
def reference_patterns(storage_class: type) -> CompiledPatterns:
    """The storage's patterns compiled as HashedFilesMixin.__init__ compiles them."""
    from django.contrib.staticfiles import storage as django_storage

    # Django 6.1 skips matches inside comments and string literals; older versions have no such rule.
    default_ignored = getattr(django_storage, "_css_ignored_re", None)
    patterns = tuple(getattr(storage_class, "patterns", ()))
    if getattr(storage_class, "support_js_module_import_aggregation", False):
        patterns += (storage_class._js_module_import_aggregation_patterns,)  # type: ignore[attr-defined]
    compiled: dict[str, list[ReferencePattern]] = {}
    for extension, entries in patterns:
        for entry in entries:
            ignored = default_ignored
            if isinstance(entry, (tuple, list)):
                pattern = entry[0]
                if len(entry) == 3:
                    ignored = entry[2]
            else:
                pattern = entry
            expression = re.compile(pattern, re.IGNORECASE)
            prefix, any_case = leading_text(expression)
            compiled.setdefault(extension, []).append(ReferencePattern(expression, compile_ignored(ignored), prefix, any_case))
    return tuple((extension, tuple(entries)) for extension, entries in compiled.items())


def compile_ignored(ignored: Any) -> re.Pattern[str] | None:
    """The ignored-blocks expression compiled, as get_ignored_blocks() passes it to re.finditer() (Django's is lazy)."""
    if ignored is None:
        return None
    if isinstance(ignored, str):
        return blocks_expression(ignored, 0)
    return blocks_expression(ignored.pattern, ignored.flags)


def leading_text(pattern: re.Pattern[str]) -> tuple[str, bool]:
    """The literal text every match of ``pattern`` starts with, and whether its letters may be in any case.

    Read from the parse tree re.compile() builds (a private module: without it, ("", False) and
    files are searched in full). Anchors consume nothing; groups are followed; anything else ends it.
    Only an ASCII prefix is kept, so that comparing lower-cased ASCII text is exact.
    """
    try:
        parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")
        tree = parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - a private module that may change: then every file is searched in full
        return "", False
    characters: list[tuple[str, bool]] = []

    def follow(items: Any, any_case: bool) -> bool:
        for operation, argument in items:
            if operation == parser.LITERAL:
                characters.append((chr(argument), any_case))
            elif operation == parser.SUBPATTERN:
                _, add_flags, del_flags, group = argument
                case = (any_case or bool(add_flags & re.IGNORECASE)) and not del_flags & re.IGNORECASE
                if not follow(group, case):
                    return False
            elif operation != parser.AT:
                return False
        return True

    follow(tree, bool(pattern.flags & re.IGNORECASE))
    text = "".join(character for character, _ in characters)
    if not text.isascii():
        return "", False
    if any(any_case and character.lower() != character.upper() for character, any_case in characters):
        return text.lower(), True
    return text, False


def patterns_storage(backend: str) -> type:
    """The configured storage class when it post-processes references, else Django's manifest storage."""
    from django.contrib.staticfiles.storage import HashedFilesMixin, ManifestStaticFilesStorage
    from django.utils.module_loading import import_string

    try:
        storage_class = import_string(backend)
    except Exception:  # noqa: BLE001 - the storage facts report the import error
        return ManifestStaticFilesStorage
    if isinstance(storage_class, type) and issubclass(storage_class, HashedFilesMixin):
        return storage_class
    return ManifestStaticFilesStorage


def by_suffix(patterns: CompiledPatterns) -> tuple[dict[str, list[Any]], list[tuple[str, Any]]]:
    """The patterns of "*.css"-like globs by suffix (one dict lookup per file), and the other globs."""
    suffixes: dict[str, list[Any]] = {}
    others: list[tuple[str, Any]] = []
    for extension, entries in patterns:
        suffix = extension[1:]
        if extension.startswith("*.") and suffix.count(".") == 1 and not any(character in suffix for character in "*?[/"):
            suffixes.setdefault(suffix, []).append(entries)
        else:
            others.append((extension, entries))
    return suffixes, others


class Scan:
    def __init__(self, files: Listing, static_url: str) -> None:
        self.files = files
        self.static_url = static_url
        self.scanned = self.references = self.verified = self.ignored = 0
        self.missing: list[BrokenReference] = []
        self.missing_count = 0
        self.undecodable: list[str] = []
        self.undecodable_count = 0
        self.unread: list[tuple[str, str]] = []
        # Folder -> reference -> FOUND, LEFT_ALONE, or the missing path it resolves to.
        self.resolved: dict[str, dict[str, int | str]] = {}

    def target(self, folder: str, url: str) -> str | None:
        """The path collectstatic looks up for ``url`` found in a file of ``folder``; None when it leaves it alone.

        Follows HashedFilesMixin.url_converter, _url, _stored_name and hashed_name step by step;
        a plain relative path (no scheme, query, fragment or escape) takes the short way to the same answer.
        """
        if not NOT_PLAIN.search(url) and not url.startswith("/"):
            if not url:
                return None
            target = posixpath.join(folder, url)
            return None if target.endswith("/") else posixpath.normpath(target).strip()
        if SCHEME.match(url) or url.startswith("//"):
            return None
        if url.startswith("/") and not url.startswith(self.static_url):
            return None
        url_path, _ = urldefrag(url)
        if not url_path:
            return None
        # An absolute reference is below STATIC_URL (checked above); a relative one is from the file's folder.
        target = url_path.removeprefix(self.static_url) if url_path.startswith("/") else posixpath.join(folder, url_path)
        clean_name, _ = urldefrag(unquote(target))
        if urlsplit(clean_name).path.endswith("/"):
            return None
        return urlsplit(unquote(posixpath.normpath(clean_name))).path.strip()

    def exists(self, path: str) -> bool:
        # collectstatic checks the copy in STATIC_ROOT exists; a folder exists too (it is then left as is).
        return path in self.files.files or path in self.files.directories

    def scan(self, name: str, text: str, patterns: tuple[ReferencePattern, ...]) -> None:
        folder = parent(name)
        # What each reference from this folder resolves to: files repeat references.
        resolved = self.resolved.setdefault(folder, {})
        lowered = text.lower() if text.isascii() else None
        # The comments and string literals Django 6.1 skips, per expression: read once per file, when needed.
        boundaries: dict[re.Pattern[str], list[int]] = {}
        for reference_pattern in patterns:
            found = reference_pattern.references(text, lowered)
            if not found:
                continue
            self.references += len(found)
            ignored = reference_pattern.ignored
            if ignored is not None:
                flat = boundaries.get(ignored)
                if flat is None:
                    flat = boundaries[ignored] = block_boundaries(ignored, text)
                inside = inside_blocks([start for start, _ in found], flat)
                if inside is not None:
                    self.ignored += sum(inside)
                    found = list(compress(found, map(not_, inside)))
            verified = left_alone = 0
            for start, reference in found:
                state = resolved.get(reference)
                if state is None:
                    target = self.target(folder, reference)
                    state = resolved[reference] = LEFT_ALONE if target is None else FOUND if self.exists(target) else target
                if state == FOUND:
                    verified += 1
                elif state == LEFT_ALONE:
                    left_alone += 1
                elif isinstance(state, str):
                    self.missing_count += 1
                    line = text.count("\n", 0, start) + 1
                    self.missing.append(BrokenReference(name, line, reference, state, None))
            self.verified += verified
            self.ignored += left_alone


def read_text(path: str, size: int) -> tuple[str | None, str | None]:
    """The file's text; or None and "undecodable" / the reason it could not be read."""
    try:
        data = read_listed(path, size, MAX_STYLESHEET_BYTES)
    except OSError as exc:
        return None, exc.strerror if isinstance(exc, FileTooLarge) else error_text(exc)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return None, "undecodable"


def scan_stylesheets(context: ProjectContext, backend: str, static_url: str) -> StylesheetFacts:
    storage_class = patterns_storage(backend)
    suffixes, others = by_suffix(reference_patterns(storage_class))
    scan = Scan(listing(context), static_url)
    for name, listed in scan.files.files.items():
        matching = suffixes.get(name[name.rfind(".") :], []) if "." in name else []
        if others:
            matching = matching + [entries for extension, entries in others if fnmatch.fnmatchcase(name, extension)]
        if not matching or not listed.regular or listed.full_path is None:
            continue
        scan.scanned += 1
        text, problem = read_text(listed.full_path, listed.size)
        if problem == "undecodable":
            scan.undecodable_count += 1
            scan.undecodable.append(name)
        elif problem is not None:
            scan.unread.append((name, problem))
        elif text is not None:
            for patterns in matching:
                scan.scan(name, text, patterns)
    return StylesheetFacts(
        patterns_from=f"{storage_class.__module__}.{storage_class.__qualname__}",
        files=scan.scanned,
        references=scan.references,
        verified=scan.verified,
        ignored=scan.ignored,
        missing=tuple(scan.missing),
        missing_count=scan.missing_count,
        undecodable=tuple(scan.undecodable),
        undecodable_count=scan.undecodable_count,
        unread=tuple(scan.unread),
    )


def with_suggestions(facts: StylesheetFacts, files: Listing) -> StylesheetFacts:
    """The missing references with the closest existing path, asked for in the order they were found."""
    missing = tuple(
        reference if reference.resolved.startswith("../") else dataclasses.replace(reference, suggestion=files.suggest(reference.resolved))
        for reference in facts.missing
    )
    return dataclasses.replace(facts, missing=missing)


def start_reading(context: ProjectContext, backend: str, static_url: str | None) -> Callable[[], StylesheetFacts]:
    """Start reading the stylesheets, in a forked copy of this process where that is safe, and
    return what waits for the facts: meanwhile this process reads the templates.

    Suggestions come afterwards, here: they share one budget with the templates' suggestions.
    """
    from django.apps import apps

    if not apps.is_installed("django.contrib.staticfiles") or static_url is None:
        return StylesheetFacts
    reading = forked.Forked(lambda: scan_stylesheets(context, backend, static_url))
    return lambda: with_suggestions(reading.result(), listing(context))


# Checks -------------------------------------------------------------------------------------------


def check_stylesheet_references(facts: Facts) -> list[CheckMessage]:
    stylesheets = facts.stylesheets

    def message(reference: BrokenReference) -> CheckMessage:
        if reference.resolved.startswith("../") or reference.resolved == "..":
            found = f"points outside the static files ({reference.resolved})"
        else:
            found = f"names no static file ({reference.resolved})"
        fix = f"Did you mean {reference.suggestion!r}? " if reference.suggestion else ""
        consequence = (
            "collectstatic fails: The file could not be found."
            if facts.storage.hashes
            else "The browser gets a 404; a manifest storage's collectstatic would fail."
        )
        return Error(
            f"{reference.file}:{reference.line}: {reference.reference!r} {found}.",
            hint=fix + consequence,
            id="deploy_static.E022",
        )

    return [message(reference) for reference in stylesheets.missing]


def e023(name: str) -> Error:
    return Error(
        f"{name} is not UTF-8, so the manifest storage cannot post-process it.",
        hint="collectstatic stops with UnicodeDecodeError: save the file as UTF-8.",
        id="deploy_static.E023",
    )


def check_undecodable(facts: Facts) -> list[CheckMessage]:
    if not facts.storage.hashes:
        return []
    return [e023(name) for name in facts.stylesheets.undecodable]


CHECKS = (check_stylesheet_references, check_undecodable)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts) -> list[Step]:
    missing = facts.stylesheets.missing
    if not missing:
        return []
    lines = [
        f"{reference.file}:{reference.line}  {reference.reference}  (looked up as {reference.resolved}"
        + (f"; closest: {reference.suggestion})" if reference.suggestion else ")")
        for reference in missing[:10]
    ]
    return [
        Step(
            "Fix the stylesheet and script references that name no file.",
            "A relative url() is resolved from the file's own folder. With a manifest storage, collectstatic stops "
            "at the first one: \"The file '...' could not be found\". Source map comments count too: ship the .map "
            "file or delete the comment.",
            "\n".join(lines),
            "text",
        )
    ]


def found(facts: Facts) -> list[Fact]:
    scanned = facts.stylesheets
    if not scanned.files:
        return []
    summary = (
        f"{scanned.references} in {scanned.files} files: {scanned.verified} found, {scanned.missing_count} missing, "
        f"{scanned.ignored} left alone (data URIs, absolute URLs, fragments)"
    )
    return [Fact("References in stylesheets and scripts", summary, not scanned.missing_count)]
