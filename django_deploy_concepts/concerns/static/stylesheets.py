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
import posixpath
import re
import signal
import threading
import time
from itertools import compress
from operator import not_
from typing import Any, NamedTuple
from urllib.parse import unquote, urldefrag, urlsplit

from django.core.checks import CheckMessage, Error

from django_deploy_concepts.concerns.static.facts import BrokenReference, Facts, StylesheetFacts
from django_deploy_concepts.concerns.static.finders import Listing, listing, parent
from django_deploy_concepts.concerns.static.scanning import FileTooLarge, block_boundaries, inside_blocks, read_listed
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import error_text
from django_deploy_concepts.report import Fact, Step

MANIFEST_STORAGE = "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
MAX_STYLESHEET_BYTES = 16 * 1024 * 1024
# Finding the references of one file may take this long, and of all files together this long; a file
# over the bound is reported not verified. Where no timer can stop it, larger files are not scanned.
MAX_SCAN_SECONDS_PER_FILE = 2.0
MAX_SCAN_SECONDS = 20.0
MAX_UNTIMED_BYTES = 256 * 1024
TICK_SECONDS = 0.1
NOT_VERIFIED = f"not verified: finding its references takes too long (over {MAX_SCAN_SECONDS_PER_FILE:g} seconds)"
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


CompiledPatterns = tuple[tuple[str, tuple[ReferencePattern, ...]], ...]


# Facts --------------------------------------------------------------------------------------------


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
            compiled.setdefault(extension, []).append(ReferencePattern(re.compile(pattern, re.IGNORECASE), compile_ignored(ignored)))
    return tuple((extension, tuple(entries)) for extension, entries in compiled.items())


def compile_ignored(ignored: Any) -> re.Pattern[str] | None:
    """The ignored-blocks expression compiled, as get_ignored_blocks() passes it to re.finditer() (Django's is lazy)."""
    if ignored is None:
        return None
    return re.compile(ignored) if isinstance(ignored, str) else re.compile(ignored.pattern, ignored.flags)


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
        Asking the storage's own url_converter instead costs explain_static about 15% more CPU on the
        benchmark project; tests/concerns/static/test_stylesheets.py compares the two.
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
        # collectstatic checks the copy in STATIC_ROOT exists; a folder exists too (it is then left as is),
        # STATIC_ROOT itself ("") included.
        return path in self.files.files or path in self.files.directories or not path

    def scan(self, name: str, text: str, found: list[tuple[list[tuple[int, str]], int]]) -> None:
        """Count and look up what find_references() found in file ``name``."""
        folder = parent(name)
        # What each reference from this folder resolves to: files repeat references.
        resolved = self.resolved.setdefault(folder, {})
        for references, skipped in found:
            self.references += len(references) + skipped
            self.ignored += skipped
            verified = left_alone = 0
            for start, reference in references:
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


def find_references(text: str, patterns: tuple[ReferencePattern, ...]) -> list[tuple[list[tuple[int, str]], int]]:
    """Per pattern, the (position, url) of each match collectstatic rewrites, and how many matches it
    skips inside comments and string literals (Django 6.1). All the regular-expression work of a file."""
    found = []
    # The comments and string literals Django 6.1 skips, per expression: read once per file, when needed.
    boundaries: dict[re.Pattern[str], list[int]] = {}
    for reference_pattern in patterns:
        references = [(match.start(), match["url"]) for match in reference_pattern.pattern.finditer(text)]
        skipped = 0
        ignored = reference_pattern.ignored
        if references and ignored is not None:
            flat = boundaries.get(ignored)
            if flat is None:
                flat = boundaries[ignored] = block_boundaries(ignored, text)
            inside = inside_blocks([start for start, _ in references], flat)
            if inside is not None:
                skipped = sum(inside)
                references = list(compress(references, map(not_, inside)))
        found.append((references, skipped))
    return found


class TooSlow(Exception):
    """Finding a file's references took longer than its share of the time."""


class Deadline:
    """Bounds the time find_references() takes per file and for all files together.

    Python's regular expressions check for signals while they match, so a timer signal (SIGALRM,
    every TICK_SECONDS while the files are scanned) stops even a single long match. Only the main
    thread receives signals: in any other thread, files over MAX_UNTIMED_BYTES are not scanned instead.
    """

    def __init__(self) -> None:
        self.timed = threading.current_thread() is threading.main_thread() and hasattr(signal, "setitimer")
        # Seconds spent on the files before this one, and when this one started (None: not bounding now).
        self.spent = 0.0
        self.started: float | None = None
        self.previous_handler: Any = None
        self.previous_timer = (0.0, 0.0)

    def __enter__(self) -> Deadline:
        if self.timed:
            self.previous_handler = signal.signal(signal.SIGALRM, self.tick)
            self.previous_timer = signal.setitimer(signal.ITIMER_REAL, TICK_SECONDS, TICK_SECONDS)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.timed:
            signal.setitimer(signal.ITIMER_REAL, *self.previous_timer)
            signal.signal(signal.SIGALRM, self.previous_handler)

    def tick(self, signum: int, frame: object) -> None:
        started = self.started
        if started is None:
            return
        elapsed = time.monotonic() - started
        if elapsed > MAX_SCAN_SECONDS_PER_FILE or self.spent + elapsed > MAX_SCAN_SECONDS:
            self.started = None
            self.spent += elapsed
            raise TooSlow

    def allows(self, size: int) -> bool:
        return self.spent < MAX_SCAN_SECONDS if self.timed else size <= MAX_UNTIMED_BYTES

    def start(self) -> None:
        self.started = time.monotonic()

    def stop(self) -> None:
        started, self.started = self.started, None
        if started is not None:
            self.spent += time.monotonic() - started


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
    with Deadline() as deadline:
        return scanned_files(scan, deadline, suffixes, others, storage_class)


def scanned_files(
    scan: Scan, deadline: Deadline, suffixes: dict[str, list[Any]], others: list[tuple[str, Any]], storage_class: type
) -> StylesheetFacts:
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
            try:
                if not deadline.allows(len(text)):
                    raise TooSlow
                try:
                    deadline.start()
                    found = [find_references(text, patterns) for patterns in matching]
                finally:
                    deadline.stop()
            except TooSlow:
                # collectstatic's post-processing uses the same expressions: it is as slow on this file.
                scan.unread.append((name, NOT_VERIFIED))
                continue
            for references in found:
                scan.scan(name, text, references)
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


def collect(context: ProjectContext, backend: str, static_url: str | None) -> StylesheetFacts:
    """The references of every stylesheet and script; read after the templates, whose suggestions come first (one budget)."""
    from django.apps import apps

    if not apps.is_installed("django.contrib.staticfiles") or static_url is None:
        return StylesheetFacts()
    return with_suggestions(scan_stylesheets(context, backend, static_url), listing(context))


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
    return [
        Fact("References in stylesheets and scripts", summary, not scanned.missing_count),
        *(Fact(f"{name} not scanned", reason, None) for name, reason in scanned.unread),
    ]
