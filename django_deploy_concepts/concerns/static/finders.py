"""One pass over what the configured finders provide: counts, sizes, sources, shadowed and broken files.

The walk is the finders' own listing, the one collectstatic makes; everything else (template and
stylesheet references, the collected copy, compression) looks files up in the index it leaves.
Django: https://docs.djangoproject.com/en/stable/ref/settings/#staticfiles-finders
"""

from __future__ import annotations

import contextlib
import difflib
import heapq
import os
import posixpath
import stat
from collections.abc import Iterable, Iterator
from itertools import chain, groupby, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, NamedTuple

from django.core.checks import CheckMessage, Error, Info

from django_deploy_concepts.concerns.static.common import size, unreadable_reason
from django_deploy_concepts.concerns.static.facts import (
    Facts,
    FinderFailure,
    ShadowedPath,
    SourceFacts,
    SourceSummary,
    StaticFile,
    UnreadableFile,
)
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import display_path, error_text
from django_deploy_concepts.report import Fact, Step

DEFAULT_IGNORE_PATTERNS = ("CVS", ".*", "*~")
# Deeper than this, a listing is taken for a symbolic link loop (collectstatic would recurse until
# the system gives up with "Too many levels of symbolic links").
MAX_DEPTH = 32
MAX_FILES = 500_000
LARGEST = 10
# Closest-path suggestions are computed for this many distinct missing paths at most, each over a
# bounded set of candidates, so a project with many broken references stays fast.
MAX_SUGGESTIONS = 20
MAX_CANDIDATES = 500
SIZE, MTIME, MODE = attrgetter("st_size"), attrgetter("st_mtime"), attrgetter("st_mode")
LISTED_SIZE = attrgetter("size")


# Facts --------------------------------------------------------------------------------------------


class ListedFile(NamedTuple):
    full_path: str | None
    source: str
    size: int
    mtime: float
    # A regular file that stat() could reach: safe to open (a FIFO would block the reader).
    regular: bool


class Listing:
    """The index the pass leaves: the winning file of each path, and lookups built on demand."""

    def __init__(self, files: dict[str, ListedFile], facts: SourceFacts, parents: Iterable[str] | None = None) -> None:
        self.files = files
        self.facts = facts
        # parent() of each path, when the pass knew them folder by folder (else found from the paths).
        self._parents = parents
        self._directories: set[str] | None = None
        self._by_name: dict[str, list[str]] | None = None
        self._by_folder: dict[str, list[str]] | None = None
        self._suggestions: dict[str, str | None] = {}

    @property
    def directories(self) -> set[str]:
        if self._directories is None:
            directories: set[str] = set()
            for folder in map(parent, self.files) if self._parents is None else self._parents:
                while folder and folder not in directories:
                    directories.add(folder)
                    folder = parent(folder)
            self._directories = directories
        return self._directories

    def _indexes(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        if self._by_name is None or self._by_folder is None:
            by_name: dict[str, list[str]] = {}
            by_folder: dict[str, list[str]] = {}
            for path in self.files:
                folder, _, name = path.rpartition("/")
                by_name.setdefault(name, []).append(path)
                by_folder.setdefault(folder, []).append(name)
            self._by_name, self._by_folder = by_name, by_folder
        return self._by_name, self._by_folder

    def suggest(self, wanted: str) -> str | None:
        """The existing path closest to ``wanted``: same name elsewhere, or a close name nearby."""
        if wanted in self._suggestions:
            return self._suggestions[wanted]
        if len(self._suggestions) >= MAX_SUGGESTIONS or not self.files:
            return None
        by_name, by_folder = self._indexes()
        folder, name = posixpath.split(wanted)
        suggestion = None
        same_name = by_name.get(name, [])[:MAX_CANDIDATES]
        if same_name:
            suggestion = max(same_name, key=lambda path: difflib.SequenceMatcher(None, wanted, path).ratio())
        else:
            if folder not in by_folder:
                close_folders = difflib.get_close_matches(folder, list(by_folder)[:MAX_CANDIDATES], n=1, cutoff=0.6)
                folder = close_folders[0] if close_folders else folder
            close_names = difflib.get_close_matches(name, by_folder.get(folder, [])[:MAX_CANDIDATES], n=1, cutoff=0.6)
            if close_names:
                suggestion = posixpath.join(folder, close_names[0])
        self._suggestions[wanted] = suggestion
        return suggestion


def parent(path: str) -> str:
    """posixpath.dirname(path), without its generality's cost (it runs once per file and reference)."""
    head = path[: path.rfind("/") + 1]
    return head.rstrip("/") or head


def ignore_patterns() -> list[str]:
    """collectstatic's default ignore patterns, normalised as it normalises them."""
    from django.apps import apps

    try:
        patterns = list(apps.get_app_config("staticfiles").ignore_patterns)  # type: ignore[attr-defined]
    except (LookupError, AttributeError):
        patterns = list(DEFAULT_IGNORE_PATTERNS)
    return list({os.path.normpath(pattern) for pattern in patterns})


class Source(NamedTuple):
    label: str
    kind: str
    # The storage every file of this source comes from, or None when each file names its own.
    storage: Any
    # Its files one by one, as (path, storage); empty when ``folders`` lists them.
    files: Iterable[tuple[str, Any]] = ()
    # A FileSystemStorage's files folder by folder: (folder, the names of its files).
    folders: Iterable[tuple[str, list[str]]] = ()


def by_folder(paths: Iterable[str]) -> Iterator[tuple[str, list[str]]]:
    """get_files()'s paths as (folder, the names of its files): it lists each folder's files together."""
    for folder, group in groupby(map(methodcaller("rpartition", os.sep), paths), key=itemgetter(0)):
        yield folder, list(map(itemgetter(2), group))


def storage_source(label: str, kind: str, storage: Any, patterns: list[str]) -> Source:
    """A storage's files as get_files() lists them; those of Django's own FileSystemStorage taken a folder at a time."""
    from django.contrib.staticfiles.utils import get_files
    from django.core.files.storage import FileSystemStorage

    if type(storage) is FileSystemStorage and isinstance(storage.location, str):
        return Source(label, kind, storage, folders=by_folder(get_files(storage, patterns)))
    return Source(label, kind, storage, files=((path, storage) for path in get_files(storage, patterns)))


def finder_sources(finder: Any, finder_path: str, patterns: list[str], context: ProjectContext) -> Iterator[Source]:
    """Each source of a finder on its own, so one failing folder does not hide the others.

    Django's own two finders list their storages in order with get_files(); a custom finder
    (or one that overrides list()) is listed whole, as collectstatic lists it.
    """
    from django.contrib.staticfiles.finders import AppDirectoriesFinder, FileSystemFinder

    if isinstance(finder, FileSystemFinder) and type(finder).list is FileSystemFinder.list:
        for prefix, root in finder.locations:
            if os.path.isdir(root):
                label = display_path(os.path.abspath(root), (context.base_dir,)) + (f" (prefix {prefix})" if prefix else "")
                yield storage_source(label, "directory", finder.storages[root], patterns)
    elif isinstance(finder, AppDirectoriesFinder) and type(finder).list is AppDirectoriesFinder.list:
        for app_name, storage in finder.storages.items():
            if storage.exists(""):
                yield storage_source(str(app_name), "app", storage, patterns)
    else:
        yield Source(finder_path, "finder", None, finder.list(patterns))


class TooDeep(Exception):
    """A listing went deeper than MAX_DEPTH folders: almost certainly a symbolic link loop."""


def copyable(mode: int) -> bool:
    return stat.S_ISREG(mode) and bool(mode & 0o444)


class Pass:
    """The one pass over the finders' files, source after source, as collectstatic makes it."""

    def __init__(self, context: ProjectContext) -> None:
        self.base_dir = context.base_dir
        self.files: dict[str, ListedFile] = {}
        # parent() of every path in files: of those taken a folder at once, and the paths taken one by one.
        self.parents: set[str] = set()
        self.taken_one_by_one: list[str] = []
        self.shadowed: dict[str, list[str]] = {}
        # Per source label: [kind, files, bytes].
        self.totals: dict[str, list[Any]] = {}
        self.unreadable: list[UnreadableFile] = []
        self.unreadable_count = 0
        self.failures: list[FinderFailure] = []
        self.listed = 0
        self.truncated = False

    def take(self, finder_path: str, source: Source) -> None:
        try:
            self.take_files(source)
        except TooDeep as exc:
            self.failures.append(FinderFailure(finder_path, source.label, str(exc)))
        except Exception as exc:  # noqa: BLE001 - loops, vanished folders, a custom finder's bug
            self.failures.append(FinderFailure(finder_path, source.label, error_text(exc)))

    def take_files(self, source: Source) -> None:
        sep = os.sep
        label, root, prefix = source.label, "", ""
        counts = self.totals.setdefault(label, [source.kind, 0, 0])
        if source.storage is not None:
            root, prefix = folder_of(source.storage), getattr(source.storage, "prefix", None) or ""
        for path, storage in source.files:
            if source.storage is None:
                # A custom finder names each file's storage: label the file by that storage's folder.
                root, prefix = folder_of(storage), getattr(storage, "prefix", None) or ""
                if root:
                    label = display_path(root.rstrip(sep), (self.base_dir,))
                    counts = self.totals.setdefault(label, [source.kind, 0, 0])
            if path.count(sep) > MAX_DEPTH:
                raise TooDeep(f"more than {MAX_DEPTH} nested folders at {path}: a symbolic link loop?")
            self.listed += 1
            if self.listed > MAX_FILES:
                self.truncated = True
                return
            collected_path = os.path.join(prefix, path) if prefix else path
            self.take_file(collected_path.replace(sep, "/") if sep != "/" else collected_path, root + path if root else None, label, counts)
        for folder, names in source.folders:
            if names:
                self.take_folder(f"{folder}{sep}" if folder else "", names, root, prefix, label, counts)
                if self.truncated:
                    return

    def take_folder(self, folder: str, names: list[str], root: str, prefix: str, label: str, counts: list[Any]) -> None:
        """A folder's files (``folder`` ends with a separator, or is ""), as take_file() would take them one by one.

        Without a Python step per file, which would cost as much as their stat() calls, unless a
        file needs a closer look (it shadows another, cannot be read, or is not a regular file):
        then the folder is taken file by file.
        """
        sep = os.sep
        if folder.count(sep) > MAX_DEPTH:
            raise TooDeep(f"more than {MAX_DEPTH} nested folders at {folder}{names[0]}: a symbolic link loop?")
        room = MAX_FILES - self.listed
        if room <= 0:
            self.truncated = True
            return
        collected_folder = os.path.join(prefix, folder) if prefix else folder
        if sep != "/":
            collected_folder = collected_folder.replace(sep, "/")
        if len(names) > room:
            names, self.truncated = names[:room], True
        self.listed += len(names)
        full_paths = list(map(f"{root}{folder}".__add__, names))
        collected_paths = list(map(collected_folder.__add__, names))
        results: list[os.stat_result] = []
        # A path already taken is left to take_file() without a stat() here; so is every file of a folder
        # where one cannot be reached or is not a readable regular file (their stat() made again, a rare case).
        if self.files.keys().isdisjoint(collected_paths):
            with contextlib.suppress(OSError):
                results = list(map(os.stat, full_paths))
        if not results or not all(map(copyable, set(map(MODE, results)))):
            for collected_path, full_path in zip(collected_paths, full_paths, strict=True):
                self.take_file(collected_path, full_path, label, counts)
            return
        sizes = list(map(SIZE, results))
        listed = map(ListedFile._make, zip(full_paths, repeat(label), sizes, map(MTIME, results), repeat(True)))
        self.files.update(zip(collected_paths, listed, strict=True))
        # A name holds no "/": the folder's files share one parent.
        self.parents.add(parent(collected_paths[0]))
        counts[1] += len(names)
        counts[2] += sum(sizes)

    def take_file(self, collected_path: str, full_path: str | None, label: str, counts: list[Any]) -> None:
        size, mtime, reason = 0, 0.0, None
        if full_path is not None:
            try:
                result = os.stat(full_path)
            except OSError as exc:
                reason = unreadable_reason(full_path, None, exc)
            else:
                size, mtime = result.st_size, result.st_mtime
                if not copyable(result.st_mode):
                    reason = unreadable_reason(full_path, result.st_mode, None)
        if reason is not None:
            self.unreadable_count += 1
            self.unreadable.append(UnreadableFile(collected_path, label, reason))
        counts[1] += 1
        counts[2] += size
        winner = self.files.get(collected_path)
        if winner is None:
            self.files[collected_path] = ListedFile(full_path, label, size, mtime, reason is None)
            self.taken_one_by_one.append(collected_path)
        else:
            self.shadowed.setdefault(collected_path, [winner.source]).append(label)

    def facts(self, finder_paths: tuple[str, ...]) -> SourceFacts:
        paths, sizes = list(self.files), list(map(LISTED_SIZE, self.files.values()))
        # Positions ranked by a C-level key: the same ranking as by each file's size, without a Python call per file.
        largest = [paths[position] for position in heapq.nlargest(LARGEST, range(len(paths)), key=sizes.__getitem__)]
        return SourceFacts(
            finders=finder_paths,
            files=len(self.files),
            bytes=sum(sizes),
            sources=tuple(SourceSummary(label, kind, count, size) for label, (kind, count, size) in self.totals.items()),
            largest=tuple(StaticFile(path, self.files[path].source, self.files[path].size) for path in largest),
            shadowed=tuple(ShadowedPath(path, labels[0], tuple(labels[1:])) for path, labels in sorted(self.shadowed.items())),
            shadowed_count=len(self.shadowed),
            unreadable=tuple(self.unreadable),
            unreadable_count=self.unreadable_count,
            failures=tuple(self.failures),
            truncated=self.truncated,
        )


def folder_of(storage: Any) -> str:
    """A storage's folder with a trailing separator ("" when it has none), so a file's path is one concatenation."""
    location = getattr(storage, "location", None)
    if not isinstance(location, str) or not location:
        return ""
    return location if location.endswith(os.sep) else location + os.sep


def list_sources(context: ProjectContext) -> Listing:
    from django.apps import apps
    from django.utils.module_loading import import_string

    finder_paths = context.setting("STATICFILES_FINDERS", [])
    if not apps.is_installed("django.contrib.staticfiles") or not isinstance(finder_paths, (list, tuple)):
        return Listing({}, SourceFacts())
    patterns = ignore_patterns()
    walk = Pass(context)
    for finder_path in map(str, finder_paths):
        try:
            finder = import_string(finder_path)()
            sources = list(finder_sources(finder, finder_path, patterns, context))
        except Exception as exc:  # noqa: BLE001 - a broken finder is a finding; collectstatic stops on it too
            walk.failures.append(FinderFailure(finder_path, None, error_text(exc)))
            continue
        for source in sources:
            walk.take(finder_path, source)
            if walk.truncated:
                break
        if walk.truncated:
            break
    # Their parents are found only if a lookup needs the folders.
    parents = chain(walk.parents, map(parent, walk.taken_one_by_one))
    return Listing(walk.files, walk.facts(tuple(map(str, finder_paths))), parents)


def listing(context: ProjectContext) -> Listing:
    """The pass over the finders, made once per run and shared by every sub-topic."""
    return context.memo("static:listing", lambda: list_sources(context))  # type: ignore[no-any-return]


def collect(context: ProjectContext) -> SourceFacts:
    return listing(context).facts


# Checks -------------------------------------------------------------------------------------------


def e017(failure: FinderFailure) -> Error:
    where = f" listing {failure.source}" if failure.source and failure.source != failure.finder else ""
    return Error(
        f"Static files finder {failure.finder} failed{where}: {failure.error}",
        hint="collectstatic stops the same way; fix the folder or the STATICFILES_FINDERS entry.",
        id="deploy_static.E017",
    )


def check_finders(facts: Facts) -> list[CheckMessage]:
    return [e017(failure) for failure in facts.sources.failures]


def e018(unreadable: UnreadableFile) -> Error:
    return Error(
        f"Static file {unreadable.path} ({unreadable.source}) is {unreadable.reason}.",
        hint="collectstatic cannot copy it: replace it with a real file or delete it.",
        id="deploy_static.E018",
    )


def check_unreadable_files(facts: Facts) -> list[CheckMessage]:
    return [e018(unreadable) for unreadable in facts.sources.unreadable]


def i019(shadowed: ShadowedPath) -> Info:
    return Info(
        f"{shadowed.path} is in {shadowed.winner} and {', '.join(shadowed.hidden)}; {shadowed.winner} wins.",
        hint="Namespace each app's files in a folder named after it: <app>/static/<app>/...",
        id="deploy_static.I019",
    )


def check_shadowed_paths(facts: Facts) -> list[CheckMessage]:
    return [i019(shadowed) for shadowed in facts.sources.shadowed]


CHECKS = (check_finders, check_unreadable_files, check_shadowed_paths)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts) -> list[Step]:
    sources = facts.sources
    found: list[Step] = []
    if sources.unreadable:
        listed = "\n".join(f"{item.path}  ({item.source}: {item.reason})" for item in sources.unreadable[:10])
        found.append(Step("Replace or delete the static files collectstatic cannot read.", "", listed, "text"))
    if sources.shadowed:
        listed = "\n".join(f"{item.path}: {item.winner} wins over {', '.join(item.hidden)}" for item in sources.shadowed[:10])
        found.append(
            Step(
                "Give each app's static files a folder of their own, so no path is provided twice.",
                "collectstatic keeps the first file of each path and silently skips the others:",
                listed,
                "text",
            )
        )
    return found


def found(facts: Facts) -> list[Fact]:
    sources = facts.sources
    found = [
        Fact(
            "Static files the finders provide",
            f"{sources.files} files, {size(sources.bytes)}, from {len(sources.sources)} sources"
            + (" (listing stopped early)" if sources.truncated else ""),
            None,
        )
    ]
    by_size = sorted(sources.sources, key=lambda source: -source.bytes)
    if by_size:
        shown = "; ".join(f"{source.source}: {source.files} files, {size(source.bytes)}" for source in by_size[:5])
        found.append(Fact("Largest sources", shown + (f"; and {len(by_size) - 5} more" if len(by_size) > 5 else ""), None))
    if sources.largest:
        found.append(Fact("Largest files", "; ".join(f"{item.path} ({size(item.bytes)})" for item in sources.largest[:3]), None))
    if sources.shadowed_count:
        found.append(Fact("Paths provided twice (first wins)", str(sources.shadowed_count), None))
    if sources.unreadable_count:
        found.append(Fact("Files collectstatic cannot copy", str(sources.unreadable_count), False))
    found += [Fact("Finder failed", f"{failure.finder}: {failure.error}", False) for failure in sources.failures]
    return found
