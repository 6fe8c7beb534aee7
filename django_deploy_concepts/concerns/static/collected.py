"""STATIC_ROOT as it is now, read only: absent, empty, collected or stale; its manifest; and git.

Nothing here writes: collectstatic never runs into the project's STATIC_ROOT.
Django: https://docs.djangoproject.com/en/stable/ref/contrib/staticfiles/#collectstatic
"""

from __future__ import annotations

import fnmatch
import json
import os
import stat

from django.core.checks import CheckMessage, Error, Info, Warning

from django_deploy_concepts import vcs
from django_deploy_concepts.concerns.static.common import is_within, real
from django_deploy_concepts.concerns.static.facts import CollectedFacts, Facts, Folder, StorageFacts
from django_deploy_concepts.concerns.static.finders import listing
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.helpers import error_text, read_head
from django_deploy_concepts.report import Fact, Step

MAX_MANIFEST_BYTES = 64 * 1024 * 1024
# A source counts as newer than its copy beyond this many seconds (file systems round times).
MTIME_TOLERANCE = 2.0


# Facts --------------------------------------------------------------------------------------------


def root_state(root: str) -> tuple[str, str | None]:
    try:
        status = os.stat(root)
    except FileNotFoundError:
        return "absent", None
    except OSError as exc:
        return "unreadable", error_text(exc)
    if not stat.S_ISDIR(status.st_mode):
        return "not a directory", None
    try:
        with os.scandir(root) as entries:
            return ("empty" if next(entries, None) is None else "collected"), None
    except OSError as exc:
        return "unreadable", error_text(exc)


def read_manifest(path: str) -> tuple[str, dict[str, str], str | None]:
    """The manifest's state, its paths, and why it cannot be used, as ManifestFilesMixin.load_manifest reads it."""
    try:
        data = read_head(path, MAX_MANIFEST_BYTES)
    except FileNotFoundError:
        return "absent", {}, None
    except OSError as exc:
        return "invalid", {}, error_text(exc)
    try:
        stored = json.loads(data.decode())
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return "invalid", {}, f"not JSON: {exc}"
    if not isinstance(stored, dict) or stored.get("version") not in ("1.0", "1.1") or not isinstance(stored.get("paths", {}), dict):
        return "invalid", {}, "not a manifest of version 1.0 or 1.1"
    return "present", {str(key): str(value) for key, value in stored.get("paths", {}).items()}, None


def staleness(context: ProjectContext, root: str, manifest_paths: dict[str, str]) -> tuple[list[str], list[str]]:
    """Sources with no copy in ``root``, and sources newer than their copy: one stat per source."""
    missing: list[str] = []
    newer: list[str] = []
    join, file_stat = os.path.join, os.stat
    for path, listed in listing(context).files.items():
        copied: float | None
        try:
            copied = file_stat(join(root, path)).st_mtime
        except OSError:
            # WHITENOISE_KEEP_ONLY_HASHED_FILES deletes the originals; the manifest names the copy.
            hashed = manifest_paths.get(path)
            try:
                copied = file_stat(join(root, hashed)).st_mtime if hashed else None
            except OSError:
                copied = None
        if copied is None:
            missing.append(path)
        elif listed.mtime > copied + MTIME_TOLERANCE:
            newer.append(path)
    return missing, newer


def gitignore_verdict(text: str, relative: str) -> bool | None:
    """Whether a .gitignore's patterns ignore ``relative`` (a folder); None when none matches."""
    parts = relative.strip("/").split("/")
    verdict = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line.lstrip("!")
        anchored = "/" in pattern.rstrip("/")
        pattern = pattern.strip("/")
        if anchored:
            hit = any(fnmatch.fnmatchcase("/".join(parts[:index]), pattern) for index in range(1, len(parts) + 1))
        else:
            hit = any(fnmatch.fnmatchcase(part, pattern) for part in parts)
        if hit:
            verdict = not negated
    return verdict


def repository_path(context: ProjectContext, root: Folder) -> str:
    repository = context.repository_root
    if repository is None:
        return ""
    repository_real = real(repository) or str(repository)
    if not is_within(root.real, repository_real) or root.real == repository_real:
        return ""
    return os.path.relpath(root.real, repository_real).replace(os.sep, "/")


def vcs_state(context: ProjectContext, root: Folder) -> tuple[str, str, int]:
    """Whether git ignores STATIC_ROOT, and how many files in it are committed."""
    if context.repository_root is None:
        return "no repository", "", 0
    relative = repository_path(context, root)
    if not relative:
        return "outside the repository", "", 0
    repository_real = real(context.repository_root) or str(context.repository_root)
    if vcs.git_executable() is None:
        gitignore = context.files.get(".gitignore")
        if gitignore is None or gitignore.text is None:
            return "unknown", "git is not installed and there is no .gitignore", 0
        base = os.path.relpath(root.real, real(os.path.dirname(gitignore.path)) or "").replace(os.sep, "/")
        if gitignore_verdict(gitignore.text, base):
            return "ignored", f"{gitignore.relative_path} ignores it", 0
        return "unknown", f"git is not installed; {gitignore.relative_path} does not mention it", 0
    tracked = vcs.run_git(repository_real, ["ls-files", "-z", "--", relative], context.timeout)
    if isinstance(tracked, str) or tracked.returncode != 0:
        return "unknown", tracked if isinstance(tracked, str) else vcs.first_error_line(tracked, "git failed"), 0
    tracked_files = tracked.stdout.count("\0")
    if tracked_files:
        return "committed", f"git tracks {tracked_files} files in it", tracked_files
    ignored = vcs.run_git(repository_real, ["check-ignore", "-q", "--no-index", "--", relative + "/"], context.timeout)
    if isinstance(ignored, str):
        return "unknown", ignored, 0
    if ignored.returncode == 0:
        return "ignored", "git ignores it", 0
    if ignored.returncode == 1:
        return "not ignored", "no .gitignore pattern matches it", 0
    return "unknown", vcs.first_error_line(ignored, "git check-ignore failed"), 0


def collect(context: ProjectContext, root: Folder | None, storage: StorageFacts) -> CollectedFacts:
    if root is None:
        return CollectedFacts(state="not set")
    if not storage.local:
        return CollectedFacts(state="remote storage")
    vcs, vcs_detail, tracked = vcs_state(context, root)
    state, error = root_state(root.absolute)
    manifest, manifest_error = "not used", None
    entries: dict[str, str] = {}
    if storage.manifest and state == "collected":
        manifest, entries, manifest_error = read_manifest(os.path.join(root.absolute, storage.manifest_name or "staticfiles.json"))
    missing, newer = staleness(context, root.absolute, entries) if state == "collected" else ([], [])
    return CollectedFacts(
        state=state,
        error=error,
        manifest=manifest if storage.manifest else "not used",
        manifest_entries=len(entries),
        manifest_error=manifest_error,
        missing=len(missing),
        missing_sample=tuple(missing),
        newer=len(newer),
        newer_sample=tuple(newer),
        vcs=vcs,
        vcs_detail=vcs_detail,
        tracked_files=tracked,
        repository_path=repository_path(context, root),
    )


# Checks -------------------------------------------------------------------------------------------


def e024(root: str, state: str, error: str | None) -> Error:
    problem = "exists but is not a directory" if state == "not a directory" else f"cannot be read: {error}"
    return Error(
        f"STATIC_ROOT {root} {problem}.",
        hint="collectstatic cannot write into it: remove what is there or choose another folder.",
        id="deploy_static.E024",
    )


def check_root_usable(facts: Facts) -> list[CheckMessage]:
    collected = facts.collected
    if collected.state not in ("not a directory", "unreadable"):
        return []
    return [e024(facts.static_root or "", collected.state, collected.error)]


def w025(root: str, name: str, error: str | None) -> Warning:
    problem = f"has an unreadable {name} ({error})" if error else f"has no {name}"
    return Warning(
        f"STATIC_ROOT {root} {problem}, which the manifest storage needs.",
        hint='Deployed as is, every {% static %} fails: "Missing staticfiles manifest entry". Run collectstatic.',
        id="deploy_static.W025",
    )


def check_manifest(facts: Facts) -> list[CheckMessage]:
    collected = facts.collected
    if collected.state != "collected" or collected.manifest not in ("absent", "invalid"):
        return []
    return [w025(facts.static_root or "", facts.storage.manifest_name or "staticfiles.json", collected.manifest_error)]


def i026(root: str, missing: int, newer: int) -> Info:
    parts = [f"{missing} source files are not in it"] if missing else []
    parts += [f"{newer} changed since they were collected"] if newer else []
    return Info(
        f"STATIC_ROOT {root} is stale: {' and '.join(parts)}.",
        hint="Run collectstatic again (your build step should, on every deploy).",
        id="deploy_static.I026",
    )


def check_stale(facts: Facts) -> list[CheckMessage]:
    collected = facts.collected
    if collected.state != "collected" or not (collected.missing or collected.newer):
        return []
    return [i026(facts.static_root or "", collected.missing, collected.newer)]


def w027(root: str, collected: CollectedFacts) -> Warning:
    if collected.vcs == "committed":
        message = f"STATIC_ROOT {root} is committed to git ({collected.tracked_files} files)."
    else:
        message = f"STATIC_ROOT {root} is not ignored by git."
    return Warning(message, hint="Collect in the build step instead: add the folder to .gitignore.", id="deploy_static.W027")


def check_vcs(facts: Facts) -> list[CheckMessage]:
    collected = facts.collected
    return (
        [w027(facts.locations.static_root_display or facts.static_root or "", collected)]
        if collected.vcs in ("committed", "not ignored")
        else []
    )


def i028(root: str, state: str) -> Info:
    where = "does not exist yet" if state == "absent" else "is empty"
    return Info(
        f"STATIC_ROOT {root} {where}: collectstatic has not run here.",
        hint='Run it before the app starts, or WhiteNoise warns "No directory at" and CSS is a 404.',
        id="deploy_static.I028",
    )


def check_collected(facts: Facts) -> list[CheckMessage]:
    state = facts.collected.state
    return [i028(facts.static_root or "", state)] if state in ("absent", "empty") and facts.staticfiles_installed else []


CHECKS = (check_root_usable, check_collected, check_manifest, check_stale, check_vcs)


# Explanation --------------------------------------------------------------------------------------


def steps(facts: Facts) -> list[Step]:
    collected = facts.collected
    found: list[Step] = []
    if collected.vcs in ("committed", "not ignored"):
        folder = collected.repository_path or "staticfiles"
        code = f"echo '/{folder}/' >> .gitignore"
        if collected.vcs == "committed":
            code += f"\ngit rm -r --cached {folder}\ngit commit -m 'Stop committing collected static files'"
        found.append(Step("Keep collected files out of git; the build step makes them.", "At the root of the repository:", code, "shell"))
    return found


def root_fact(facts: Facts) -> Fact:
    if facts.static_root is None:
        return Fact("STATIC_ROOT", "(not set)", False if facts.storage.local else None)
    state = facts.collected
    detail = state.state
    if state.state == "collected" and state.manifest != "not used":
        detail += f", manifest {state.manifest}" + (f" ({state.manifest_entries} entries)" if state.manifest_entries else "")
    if state.missing or state.newer:
        detail += f", stale: {state.missing} missing, {state.newer} changed since"
    return Fact(
        "STATIC_ROOT",
        f"{facts.locations.static_root_display or facts.static_root} ({detail})",
        state.state not in ("not a directory", "unreadable"),
    )


def found(facts: Facts) -> list[Fact]:
    facts_found = [root_fact(facts)]
    collected = facts.collected
    if collected.vcs not in ("unknown", "no repository", "outside the repository") or collected.vcs_detail:
        shown = f"{collected.vcs} ({collected.vcs_detail})" if collected.vcs_detail else collected.vcs
        facts_found.append(Fact("STATIC_ROOT in git", shown, collected.vcs == "ignored" or None))
    return facts_found
