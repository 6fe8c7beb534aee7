"""django-simple-deploy: whether it configured this project, what it set, and whether it could.

It writes a settings block per platform ("# Heroku settings.", gated on ON_HEROKU, ...), the
platform's files and requirements, and a dsd_logs/ folder.
Docs: docs/checks/checklist.rst; https://django-simple-deploy.readthedocs.io/
"""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Collection, Iterator

from django.core.checks import CheckMessage, Info

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import source
from django_deploy_concepts.concerns.checklist.facts import SettingsBlock, SimpleDeployFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import Plan
from django_deploy_concepts.report import Fact, Step

MODULES = ("django_simple_deploy", "simple_deploy")
PACKAGE = "django-simple-deploy"
LOG_DIRS = ("dsd_logs", "simple_deploy_logs")
# The comment that opens each platform's block, in current and older releases.
BLOCK_HEADER = re.compile(
    r"^\s*#\s*(?:---\s*)?(?:settings for\s+)?(?P<platform>heroku|fly\.io|upsun|platform\.sh)(?:\s+settings)?\.?\s*(?:-+)?\s*$",
    re.IGNORECASE,
)
# Its name for each platform this app knows, as the `pip install django-simple-deploy[extra]` extra.
EXTRAS = {"heroku": "heroku", "fly": "fly_io", "upsun": "upsun"}


# Facts --------------------------------------------------------------------------------------------


def names_set(body: list[ast.stmt]) -> tuple[str, ...]:
    """Settings a block assigns or changes in place (ALLOWED_HOSTS.append(...), MIDDLEWARE.insert(...))."""
    names: list[str] = []
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Assign):
                names += [target.id for target in node.targets if isinstance(target, ast.Name)]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.attr in ("append", "insert", "extend", "update")
            ):
                names.append(node.func.value.id)
    return tuple(dict.fromkeys(name for name in names if name.isupper()))


def settings_blocks(sources: dict[str, str], parsed: tuple[source.ParsedSource, ...]) -> tuple[SettingsBlock, ...]:
    blocks: list[SettingsBlock] = []
    for item in parsed:
        text = sources.get(item.path, "")
        for number, line in enumerate(text.splitlines(), start=1):
            header = BLOCK_HEADER.match(line)
            if header is None:
                continue
            gate = None
            if item.tree is not None:
                following = [node for node in ast.walk(item.tree) if isinstance(node, ast.If) and node.lineno > number]
                gate = min(following, key=lambda node: node.lineno, default=None)
            switch = next((value for node in ast.walk(gate.test) if (value := source.string_value(node))), None) if gate else None
            blocks.append(SettingsBlock(header["platform"], f"{item.display}:{number}", switch, names_set(gate.body) if gate else ()))
    return tuple(blocks)


def installed_module() -> str | None:
    for module in MODULES:
        try:
            if importlib.util.find_spec(module) is not None:
                return module
        except (ImportError, ValueError):
            continue
    return None


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...], requirement_names: frozenset[str]) -> SimpleDeployFacts:
    apps = context.setting("INSTALLED_APPS", [])
    apps = apps if isinstance(apps, (list, tuple)) else []
    tree = context.tree()
    top_level = {path.replace("\\", "/").split("/", 1)[0] for path in tree.files}
    return SimpleDeployFacts(
        installed=installed_module(),
        in_installed_apps=any(str(app).split(".")[0] in MODULES for app in apps),
        declared=PACKAGE in requirement_names,
        blocks=settings_blocks(dict(context.settings_sources()), parsed),
        log_dir=next((name for name in LOG_DIRS if name in top_level), None),
        platform=context.platform_info,
    )


# Checks -------------------------------------------------------------------------------------------


def i030(facts: SimpleDeployFacts) -> list[Info]:
    if facts.blocks:
        return [
            Info(
                f"django-simple-deploy configured this project for {block.platform}.",
                hint=f"Its settings apply only where {block.switch or 'its switch variable'} is set; the values shown here are without them.",
                obj=block.location,
                id="deploy_checklist.I030",
            )
            for block in facts.blocks
        ]
    return [
        Info(
            "django-simple-deploy is installed but has not configured this project.",
            hint="Add a platform plugin (django-simple-deploy[heroku], ...) and run python manage.py deploy.",
            id="deploy_checklist.I030",
        )
    ]


def check_simple_deploy(facts: SimpleDeployFacts) -> list[CheckMessage]:
    return list(i030(facts)) if facts.present else []


CHECKS = (check_simple_deploy,)


# Explanation --------------------------------------------------------------------------------------


def found(facts: SimpleDeployFacts, ids: Collection[str]) -> list[Fact]:
    found_facts = [
        Fact(
            f"django-simple-deploy's {block.platform} block ({block.location})",
            f"sets {', '.join(block.names) or 'nothing we could read'} when {block.switch} is set",
            None,
        )
        for block in facts.blocks
    ]
    if facts.present and not facts.blocks:
        where = facts.installed or ("INSTALLED_APPS" if facts.in_installed_apps else "requirements" if facts.declared else facts.log_dir)
        found_facts.append(Fact("django-simple-deploy", f"found ({where}); no settings block written yet", None))
    return found_facts


def simple_deploy_step(facts: SimpleDeployFacts, deployment: Plan) -> Iterator[Step]:
    if not facts.platform.simple_deploy or facts.blocks:
        return
    yield Step(
        f"Or let django-simple-deploy write this configuration for {facts.platform.title}.",
        "It adds a settings block, the platform's files and the requirements this report asks for; review its "
        "changes with git diff before you commit, then run this report again with the platform's variables set.",
        f'pip install "{PACKAGE}[{EXTRAS.get(facts.platform.name, facts.platform.name)}]"\n'
        '# add "django_simple_deploy" to INSTALLED_APPS, then:\npython manage.py deploy',
        "shell",
    )


# From the facts alone: a platform django-simple-deploy supports, and no block written yet.
FIXES = (Fix(frozenset(), simple_deploy_step),)
