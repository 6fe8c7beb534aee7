"""Database credentials written into the settings source, rather than read from the environment.

Only where they are is recorded (file and line), never the value.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

from django.core.checks import CheckMessage, Warning

from django_deploy_concepts import masking
from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.database.facts import Facts, WrittenCredential
from django_deploy_concepts.concerns.database.url import SCHEME
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Step

PASSWORD_KEY = "PASSWORD"
LITERAL_PASSWORD = "a literal PASSWORD"
FALLBACK_PASSWORD = "a literal fallback for PASSWORD"
URL_WITH_PASSWORD = "a database URL with its password"


# Facts --------------------------------------------------------------------------------------------


def is_text(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value != ""


def password_value(node: ast.AST) -> str | None:
    """What a PASSWORD value writes into the source: a literal, a literal fallback, or nothing."""
    if is_text(node):
        return LITERAL_PASSWORD
    # os.environ.get("DB_PASSWORD", "secret"), os.getenv(..., "secret"), env("X", default="secret")
    if isinstance(node, ast.Call):
        fallbacks = [*node.args[1:2], *(keyword.value for keyword in node.keywords if keyword.arg == "default")]
        if any(is_text(fallback) for fallback in fallbacks):
            return FALLBACK_PASSWORD
    return None


def is_database_url(text: str) -> bool:
    import dj_database_url

    match = SCHEME.match(text)
    return match is not None and match["scheme"] in dj_database_url.ENGINE_SCHEMES and masking.url_password(text) is not None


def password_assignments(tree: ast.AST) -> Iterator[tuple[int, ast.AST]]:
    """(line, value) of every place the source gives PASSWORD a value."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == PASSWORD_KEY:
                    yield value.lineno, value
        elif isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == PASSWORD_KEY:
                    yield keyword.value.lineno, keyword.value
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant) and target.slice.value == PASSWORD_KEY:
                    yield node.lineno, node.value


def find_written_credentials(source: str, label: str) -> list[WrittenCredential]:
    tree = ast.parse(source)
    found = {}
    for line, value in password_assignments(tree):
        what = password_value(value)
        if what is not None:
            found[line] = WrittenCredential(label, line, what)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and is_database_url(node.value):
            found.setdefault(node.lineno, WrittenCredential(label, node.lineno, URL_WITH_PASSWORD))
    return [found[line] for line in sorted(found)]


def label_for(path: str, base_dir: Path) -> str:
    try:
        return str(Path(path).relative_to(base_dir))
    except ValueError:
        return Path(path).name


def read_written_credentials(sources: Mapping[str, str], base_dir: Path) -> tuple[tuple[WrittenCredential, ...], tuple[str, ...]]:
    found: list[WrittenCredential] = []
    errors: list[str] = []
    for path, source in sources.items():
        label = label_for(path, base_dir)
        try:
            found += find_written_credentials(source, label)
        except (SyntaxError, ValueError) as exc:
            errors.append(f"cannot parse {label} to look for written passwords: {type(exc).__name__}")
    return tuple(found), tuple(errors)


# Checks -------------------------------------------------------------------------------------------


def w022(credential: WrittenCredential) -> Warning:
    return Warning(
        f"{credential.file} line {credential.line} writes {credential.what} into the settings.",
        hint="Anyone with the code has the database: read it from the environment (DATABASE_URL).",
        obj=f"{credential.file}:{credential.line}",
        id="deploy_database.W022",
    )


def check_written_credentials(facts: Facts) -> list[CheckMessage]:
    return [w022(credential) for credential in facts.written_credentials]


# Explanation --------------------------------------------------------------------------------------


FROM_ENVIRONMENT = """import os

DATABASES["default"]["PASSWORD"] = os.environ.get("DATABASE_PASSWORD", "")
# or the whole connection at once:
# DATABASES = {"default": dj_database_url.config(conn_max_age=600, conn_health_checks=True)}"""


# Steps --------------------------------------------------------------------------------------------


def from_environment_step(facts: Facts, deployment: Plan) -> Iterator[Step]:
    yield Step(
        "Read database passwords from the environment, then change the password that was in the code.",
        "",
        FROM_ENVIRONMENT,
        "python",
    )


FIX_WRITTEN_PASSWORD = Fix(frozenset({"deploy_database.W022"}), from_environment_step)
