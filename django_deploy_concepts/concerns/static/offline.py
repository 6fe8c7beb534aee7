"""Offline compression: django-compressor's COMPRESS_OFFLINE and django-sass-processor need a build step.

With ``COMPRESS_OFFLINE = True`` every ``{% compress %}`` block is looked up in a manifest that only
``manage.py compress`` writes; without it each page raises ``OfflineGenerationError`` (a 500).
django-sass-processor with ``SASS_PROCESSOR_ENABLED = False`` serves the ``.css`` that only
``manage.py compilescss`` writes. Docs: docs/checks/static.rst (E032, W033);
https://django-compressor.readthedocs.io/en/stable/usage/#offline-compression
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from django.core.checks import CheckMessage, Error, Warning

from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.report import Fact, Step

if TYPE_CHECKING:
    from django_deploy_concepts.concerns.static import Facts


@dataclasses.dataclass(frozen=True)
class OfflineTool:
    """One tool that needs a management command run before the site serves pages."""

    app: str
    setting: str
    command: str
    # What a visitor sees without it.
    failure: str


COMPRESSOR = OfflineTool(
    "compressor",
    "COMPRESS_OFFLINE = True",
    "compress",
    "every page with {% compress %} is a 500 (OfflineGenerationError)",
)
SASS_PROCESSOR = OfflineTool(
    "sass_processor",
    "SASS_PROCESSOR_ENABLED = False",
    "compilescss",
    "the .css files {% sass_src %} points to are missing (404, or a 500 under a manifest storage)",
)


@dataclasses.dataclass(frozen=True)
class OfflineFacts:
    # The tools whose offline step the settings ask for.
    tools: tuple[OfflineTool, ...] = ()
    # Files read for build steps, relative to the project or repository root.
    build_files: tuple[str, ...] = ()
    # "file:line" of each command found, by command name ("compress", "compilescss").
    steps: tuple[tuple[str, str], ...] = ()


def installed(app: str) -> bool:
    from django.apps import apps

    return any(config.name == app for config in apps.get_app_configs())


def wanted_tools(context: ProjectContext) -> tuple[OfflineTool, ...]:
    tools = []
    debug = context.setting("DEBUG", False) is True
    # django-compressor compresses (and so needs the offline manifest) when COMPRESS_ENABLED, which defaults to not DEBUG.
    if installed(COMPRESSOR.app) and context.setting("COMPRESS_OFFLINE", False) is True and context.setting("COMPRESS_ENABLED", not debug):
        tools.append(COMPRESSOR)
    if (
        installed(SASS_PROCESSOR.app)
        and context.has_setting("SASS_PROCESSOR_ENABLED")
        and context.setting("SASS_PROCESSOR_ENABLED") is False
    ):
        tools.append(SASS_PROCESSOR)
    return tuple(tools)


def collect(context: ProjectContext) -> OfflineFacts:
    tools = wanted_tools(context)
    if not tools:
        return OfflineFacts()
    steps = tuple((tool.command, where) for tool in tools if (where := context.runs_command(tool.command)) is not None)
    return OfflineFacts(tools=tools, build_files=tuple(sorted(context.build_files())), steps=steps)


# Checks -------------------------------------------------------------------------------------------


def e032(tool: OfflineTool, files: tuple[str, ...]) -> Error:
    read = ", ".join(files[:4]) + (f" and {len(files) - 4} more" if len(files) > 4 else "")
    return Error(
        f"{tool.setting}, but no build step runs manage.py {tool.command} ({read} read).",
        hint=f"Run python manage.py {tool.command} after collectstatic in the build, or {tool.failure}.",
        obj=tool.app,
        id="deploy_static.E032",
    )


def w033(tool: OfflineTool) -> Warning:
    return Warning(
        f"{tool.setting}: manage.py {tool.command} must run in the build; no build file was found.",
        hint=f"Run python manage.py {tool.command} after collectstatic in the build, or {tool.failure}.",
        obj=tool.app,
        id="deploy_static.W033",
    )


def check_offline_step(facts: Facts) -> list[CheckMessage]:
    offline = facts.offline
    found = {command for command, _ in offline.steps}
    messages: list[CheckMessage] = []
    for tool in offline.tools:
        if tool.command in found:
            continue
        messages.append(e032(tool, offline.build_files) if offline.build_files else w033(tool))
    return messages


CHECKS = (check_offline_step,)


# Explanation --------------------------------------------------------------------------------------


def found(facts: Facts) -> list[Fact]:
    offline = facts.offline
    where = dict(offline.steps)
    return [
        Fact(f"manage.py {tool.command} ({tool.setting})", where.get(tool.command, "no build step runs it"), tool.command in where)
        for tool in offline.tools
    ]


def steps(facts: Facts) -> list[Step]:
    offline = facts.offline
    where = dict(offline.steps)
    missing = [tool for tool in offline.tools if tool.command not in where]
    if not missing:
        return []
    code = "python manage.py collectstatic --noinput\n" + "\n".join(f"python manage.py {tool.command}" for tool in missing)
    return [
        Step(
            "Run the offline compression in the build step, after collectstatic.",
            "; ".join(tool.failure for tool in missing).capitalize() + " otherwise.",
            code,
            "shell",
        )
    ]
