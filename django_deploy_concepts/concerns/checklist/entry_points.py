"""Entry points: wsgi.py, asgi.py and manage.py default DJANGO_SETTINGS_MODULE to a settings module.

A platform runs ``gunicorn mysite.wsgi`` without the variable unless told; the default then decides
which settings production runs with. Docs: docs/checks/checklist.rst (W033);
Django: https://docs.djangoproject.com/en/stable/topics/settings/#designating-the-settings
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator
from pathlib import Path

from django.core.checks import CheckMessage, Warning

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist.facts import EntryPointFacts, SettingsModuleDefault
from django_deploy_concepts.context import MAX_FILE_BYTES, ProjectContext
from django_deploy_concepts.helpers import read_head_text
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

VARIABLE = "DJANGO_SETTINGS_MODULE"
# Module names that say "development" or "production" (the last dotted part).
DEVELOPMENT_NAMES = re.compile(r"^(dev|develop|development|local|debug|test|tests|testing)(_settings)?$", re.IGNORECASE)
PRODUCTION_NAMES = re.compile(r"^(prod|production|live|deploy|deployment|heroku|render|fly|docker|server)(_settings)?$", re.IGNORECASE)


def module_file(base_dir: Path, dotted: str) -> Path | None:
    parts = dotted.split(".")
    for candidate in (base_dir.joinpath(*parts).with_suffix(".py"), base_dir.joinpath(*parts, "__init__.py")):
        if candidate.is_file():
            return candidate
    return None


def setdefault_value(text: str) -> tuple[str, int] | None:
    """The default of os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x"), and its line."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault"):
            continue
        args = node.args
        if len(args) == 2 and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args):
            name, value = (arg.value for arg in args)  # type: ignore[attr-defined]
            if name == VARIABLE:
                return str(value), node.lineno
    return None


def assigns_debug_true(text: str) -> bool:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == "DEBUG" for target in node.targets)
        and isinstance(node.value, ast.Constant)
        and node.value.value is True
        for node in tree.body
    )


def entry_point_files(context: ProjectContext) -> list[Path]:
    base = context.base_dir
    files = [base / "manage.py"]
    for setting in ("WSGI_APPLICATION", "ASGI_APPLICATION"):
        value = context.setting(setting)
        if isinstance(value, str) and "." in value:
            found = module_file(base, value.rsplit(".", 1)[0])
            if found is not None:
                files.append(found)
                files.append(found.with_name("asgi.py" if found.name == "wsgi.py" else "wsgi.py"))
    return list(dict.fromkeys(path for path in files if path.is_file()))


def collect(context: ProjectContext) -> EntryPointFacts:
    base = context.base_dir
    defaults: list[SettingsModuleDefault] = []
    production: set[str] = set()
    for path in entry_point_files(context):
        text = read_head_text(path, MAX_FILE_BYTES)
        found = setdefault_value(text) if text is not None else None
        if found is None:
            continue
        module, line = found
        settings_file = module_file(base, module)
        settings_text = read_head_text(settings_file, MAX_FILE_BYTES) if settings_file is not None else None
        name = module.rsplit(".", 1)[-1]
        development = bool(DEVELOPMENT_NAMES.match(name)) or (settings_text is not None and assigns_debug_true(settings_text))
        defaults.append(SettingsModuleDefault(f"{path.relative_to(base).as_posix()}:{line}", module, development))
        if settings_file is not None and "." in module:
            package = module.rsplit(".", 1)[0]
            for sibling in sorted(settings_file.parent.glob("*.py"))[:50]:
                if PRODUCTION_NAMES.match(sibling.stem) and f"{package}.{sibling.stem}" != module:
                    production.add(f"{package}.{sibling.stem}")
    variable_set_at = None
    for name, text in context.build_files().items():
        index = text.find(VARIABLE)
        if index >= 0:
            variable_set_at = f"{name}:{text.count(chr(10), 0, index) + 1}"
            break
    return EntryPointFacts(tuple(defaults), tuple(sorted(production)), variable_set_at)


# Checks -------------------------------------------------------------------------------------------


def w033(default: SettingsModuleDefault, production: str) -> Warning:
    return Warning(
        f"{default.location} defaults {VARIABLE} to {default.module}, a development module.",
        hint=f"Set {VARIABLE}={production} where the app runs (no platform file sets it), or default to it.",
        obj=default.location,
        id="deploy_checklist.W033",
    )


def check_development_default(facts: EntryPointFacts) -> list[CheckMessage]:
    if not facts.production_modules or facts.variable_set_at is not None:
        return []
    return [w033(default, facts.production_modules[0]) for default in facts.defaults if default.development]


CHECKS = (check_development_default,)


# Explanation --------------------------------------------------------------------------------------


def found(facts: EntryPointFacts, ids: Collection[str]) -> list[Fact]:
    return [Fact(f"{VARIABLE} default ({default.location})", default.module, None) for default in facts.defaults]


def production_module_step(facts: EntryPointFacts, deployment: Plan) -> Iterator[Step]:
    if not check_development_default(facts):
        return
    production = facts.production_modules[0]
    yield Step(
        f"Run production with {production}.",
        f"The platform starts wsgi.py without {VARIABLE} unless you set it, so the development default wins "
        "(DEBUG on, the development database). Set the variable in the platform's environment, and in the "
        "Dockerfile or platform file if it has one:",
        f"{VARIABLE}={production}",
        "shell",
    )


# From the facts alone, as W033 reports it.
FIXES = (Fix(frozenset(), production_module_step),)
