"""sqlite in production: where the file lives, whether the disk keeps it, and who writes to it.

Docs: https://docs.djangoproject.com/en/stable/ref/databases/#sqlite-notes
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts import vcs
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database.config import SQLITE
from django_deploy_concepts.concerns.database.facts import Facts, SqliteFile
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

WAL = re.compile(r"journal_mode\s*=\s*'?wal", re.IGNORECASE)
HEADER = b"SQLite format 3\x00"
# Byte 18 of the file header: 1 for a rollback journal, 2 for write-ahead logging.
JOURNAL_MODES = {1: "rollback journal", 2: "wal"}


# Facts --------------------------------------------------------------------------------------------


def is_in_memory(name: str) -> bool:
    return name == ":memory:" or (name.startswith("file:") and "mode=memory" in name)


def read_header(path: Path) -> tuple[bool | None, str | None]:
    """(is it an SQLite database, its journal mode) from the first bytes of the file; (None, None) when unreadable."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
    except OSError:
        return None, None
    if not header:
        return True, None
    if not header.startswith(HEADER) or len(header) < 20:
        return False, None
    return True, JOURNAL_MODES.get(header[18])


def git_tracks(repository_root: Path, relative: str, timeout: float) -> bool | None:
    """True when git tracks the file, None when git cannot say (not installed, not a repository)."""
    result = vcs.run_git(repository_root, ["ls-files", "--error-unmatch", "--", relative], timeout)
    if isinstance(result, str):
        return None
    if result.returncode == 0:
        return True
    if "did not match any file" in result.stderr:
        return False
    return None


def project_relative(path: Path, context: ProjectContext) -> tuple[str | None, Path | None]:
    for root in (context.repository_root, context.base_dir):
        if root is None:
            continue
        try:
            return str(path.relative_to(root)), root
        except ValueError:
            continue
    return None, None


def read_sqlite_file(alias: str, config: Mapping[str, Any], context: ProjectContext) -> SqliteFile:
    name = str(config.get("NAME") or "")
    options = config.get("OPTIONS")
    options = options if isinstance(options, Mapping) else {}
    in_memory = is_in_memory(name)
    uri = name.startswith("file:") and not in_memory
    path = exists = project_path = tracked = journal_mode = is_database = None
    if name and not in_memory and not uri:
        resolved = Path(os.path.abspath(name))
        path = str(resolved)
        try:
            exists = resolved.is_file()
        except OSError:
            exists = None
        is_database, journal_mode = read_header(resolved) if exists else (None, None)
        project_path, root = project_relative(resolved, context)
        if project_path is not None and root is not None and root == context.repository_root:
            tracked = git_tracks(root, project_path, context.timeout)
    timeout = options.get("timeout")
    return SqliteFile(
        alias=alias,
        name=name,
        path=path,
        in_memory=in_memory,
        uri=uri,
        exists=exists,
        journal_mode=journal_mode,
        project_path=project_path,
        tracked_by_git=tracked,
        wal=bool(WAL.search(str(options.get("init_command") or ""))),
        immediate=str(options.get("transaction_mode") or "").upper() == "IMMEDIATE",
        busy_timeout=float(timeout) if isinstance(timeout, (int, float)) and not isinstance(timeout, bool) else None,
        is_database=is_database,
    )


def read_sqlite_files(databases: object, vendors: Mapping[str, str | None], context: ProjectContext) -> tuple[SqliteFile, ...]:
    if not isinstance(databases, Mapping):
        return ()
    return tuple(
        read_sqlite_file(str(alias), config, context)
        for alias, config in databases.items()
        if isinstance(config, Mapping) and vendors.get(str(alias)) == SQLITE
    )


# Checks -------------------------------------------------------------------------------------------


def e002(file: SqliteFile, platform_title: str) -> Error:
    return Error(
        f"The sqlite file {file.project_path or file.name} lives on {platform_title}'s ephemeral disk.",
        hint="Every deploy or restart resets the data: use a database server through DATABASE_URL.",
        obj=file.alias,
        id="deploy_database.E002",
    )


def on_ephemeral_disk(facts: Facts) -> list[SqliteFile]:
    if not facts.platform.ephemeral_disk:
        return []
    return [file for file in facts.sqlite_files if not file.in_memory]


def check_sqlite_on_ephemeral_disk(facts: Facts) -> list[CheckMessage]:
    return [e002(file, facts.platform.title) for file in on_ephemeral_disk(facts)]


def w007(file: SqliteFile) -> Warning:
    return Warning(
        f"DATABASES[{file.alias!r}] is in-memory sqlite: every process starts with it empty.",
        hint="Give NAME a file path on a persistent disk, or use a database server.",
        obj=file.alias,
        id="deploy_database.W007",
    )


def check_sqlite_in_memory(facts: Facts) -> list[CheckMessage]:
    # DATABASE_URL "sqlite://" read into 'default' is one cause, named by E006.
    explained = {"default"} if facts.database_url.in_memory and facts.database_url.used else set()
    return [w007(file) for file in facts.sqlite_files if file.in_memory and file.alias not in explained]


def w008(file: SqliteFile) -> Warning:
    return Warning(
        f"The sqlite file {file.project_path} is committed to git.",
        hint=f"Each deploy ships your local data and overwrites the server's: git rm --cached {file.project_path}.",
        obj=file.alias,
        id="deploy_database.W008",
    )


def check_sqlite_committed(facts: Facts) -> list[CheckMessage]:
    return [w008(file) for file in facts.sqlite_files if file.tracked_by_git]


def w010(file: SqliteFile) -> Warning:
    return Warning(
        f"The sqlite file {file.project_path or file.path} for {file.alias!r} does not exist; nothing was created.",
        hint="`manage.py migrate` creates it; until then every page fails with 'no such table'.",
        obj=file.alias,
        id="deploy_database.W010",
    )


def check_sqlite_file_exists(facts: Facts) -> list[CheckMessage]:
    ephemeral = {file.alias for file in on_ephemeral_disk(facts)}
    return [w010(file) for file in facts.sqlite_files if file.exists is False and file.alias not in ephemeral]


def w009(file: SqliteFile, writers: int, source: str) -> Warning:
    return Warning(
        f"{writers} workers ({source}) write to the sqlite file {file.project_path or file.name}.",
        hint="Without WAL and IMMEDIATE transactions writers fail with 'database is locked'; see the steps.",
        obj=file.alias,
        id="deploy_database.W009",
    )


def check_single_writer(facts: Facts) -> list[CheckMessage]:
    writers = facts.processes.workers.concurrency
    if writers is None or writers < 2 or facts.platform.ephemeral_disk:
        return []
    source = facts.processes.workers.source or "the start command"
    return [
        w009(file, writers, source)
        for file in facts.sqlite_files
        # WAL, once set, is kept in the file itself.
        if not file.in_memory and not ((file.wal or file.journal_mode == "wal") and file.immediate)
    ]


# Explanation --------------------------------------------------------------------------------------


SAFE_OPTIONS = """DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",  # on a persistent disk or volume
        "OPTIONS": {
            # Django 5.1+: take the write lock at BEGIN, so waiting works instead of failing.
            "transaction_mode": "IMMEDIATE",
            # Seconds a writer waits for the lock before "database is locked".
            "timeout": 20,
            # Readers no longer block the writer; fewer fsyncs per transaction.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}"""

BACKUP = """sqlite3 db.sqlite3 ".backup 'db-$(date +%F).sqlite3'"   # a consistent copy while the site runs"""


def describe(file: SqliteFile) -> str:
    if file.in_memory:
        return "in memory (lost when the process ends)"
    if file.uri:
        return f"{file.name} (a file: URI, not opened)"
    where = f"{file.project_path} (inside the project tree)" if file.project_path else str(file.path)
    state = {True: "exists", False: "does not exist", None: "cannot be read"}[file.exists]
    if file.is_database is False:
        state += ", but is not an SQLite database"
    if file.journal_mode:
        state += f" ({file.journal_mode})"
    tracked = {True: ", committed to git", False: ", not in git", None: ""}[file.tracked_by_git]
    return f"{where}, {state}{tracked}"


# Steps --------------------------------------------------------------------------------------------


def untrack_steps(facts: Facts, deployment: Plan) -> list[Step]:
    return [
        Step(
            f"Stop committing {file.project_path}.",
            "It stays on your disk; git forgets it and ignores it from now on.",
            f"git rm --cached {file.project_path}\necho '{file.project_path}' >> .gitignore",
            "shell",
        )
        for file in facts.sqlite_files
        if file.tracked_by_git
    ]


def safe_sqlite_steps(facts: Facts, deployment: Plan) -> Iterator[Step]:
    if not any(not file.in_memory for file in facts.sqlite_files) or facts.platform.ephemeral_disk:
        return
    yield Step(
        "If sqlite is a deliberate choice on a persistent disk, make it safe for several workers, and back it up.",
        "These OPTIONS need Django 5.1+ (transaction_mode, init_command). Back up with sqlite's own command, "
        "not by copying the file while the site writes to it:",
        f"{SAFE_OPTIONS}\n\n# {BACKUP}",
        "python",
    )


FIX_TRACKED = Fix(frozenset(), untrack_steps)
FIX_SAFE = Fix(frozenset(), safe_sqlite_steps)
