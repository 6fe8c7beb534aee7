"""DEBUG: off in production, and a real boolean when it comes from the environment.

Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/ref/settings/#debug
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

from django.core.checks import CheckMessage, Error

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import source
from django_deploy_concepts.concerns.checklist.facts import DebugFacts, UnconvertedRead
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import DEBUG_VARIABLE, SECRET_KEY_VARIABLE, Plan
from django_deploy_concepts.report import Fact, Step

DEFAULT_VARIABLE = "DJANGO_DEBUG"


# Facts --------------------------------------------------------------------------------------------


def unconverted_read(node: ast.expr) -> source.EnvironRead | None:
    """The environment read whose raw string becomes DEBUG, or None when it is converted."""
    if isinstance(node, ast.Call) and source.called_name(node) == "bool" and len(node.args) == 1:
        node = node.args[0]
    if isinstance(node, ast.BoolOp):
        return next((read for value in node.values if (read := source.environ_read(value)) is not None), None)
    return source.environ_read(node)


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> DebugFacts:
    debug = context.setting("DEBUG", False)
    assigned_at = None
    variable = None
    reads: list[UnconvertedRead] = []
    for location, value in source.assignments(parsed, "DEBUG"):
        assigned_at = str(location)
        read = unconverted_read(value)
        any_read = (
            next((found for node in ast.walk(value) if (found := source.environ_read(node)) is not None), None) if read is None else read
        )
        if any_read is not None and any_read.variable:
            variable = any_read.variable
        if read is not None:
            reads.append(UnconvertedRead(str(location), read.variable))
    return DebugFacts(
        type_name=type(debug).__name__,
        value=repr(debug)[:40],
        assigned_at=assigned_at,
        variable=variable,
        unconverted_reads=tuple(reads),
    )


# Checks -------------------------------------------------------------------------------------------


def e001(facts: DebugFacts) -> Error:
    return Error(
        f"DEBUG is the {facts.type_name} {facts.value}, not True or False; it counts as true.",
        hint=f"Convert it: {fix_code(facts)} (or use a boolean parser).",
        obj=facts.unconverted_reads[-1].location if facts.unconverted_reads else facts.assigned_at,
        id="deploy_checklist.E001",
    )


def check_debug_is_boolean(facts: DebugFacts) -> list[CheckMessage]:
    return [] if facts.is_bool else [e001(facts)]


def e006(read: UnconvertedRead) -> Error:
    variable = read.variable or DEFAULT_VARIABLE
    return Error(
        f"DEBUG takes {variable} from the environment as a string; 'False' is true.",
        hint=f'Compare it instead: DEBUG = os.environ.get("{variable}", "") == "1".',
        obj=read.location,
        id="deploy_checklist.E006",
    )


def check_debug_read_unconverted(facts: DebugFacts) -> list[CheckMessage]:
    # While DEBUG is a string right now, E001 already reports it (with this line).
    if not facts.is_bool:
        return []
    return [e006(read) for read in facts.unconverted_reads]


CHECKS = (check_debug_is_boolean, check_debug_read_unconverted)


# Explanation --------------------------------------------------------------------------------------


def fix_code(facts: DebugFacts) -> str:
    variable = facts.variable or DEFAULT_VARIABLE
    return f'DEBUG = os.environ.get("{variable}", "") == "1"'


def found(facts: DebugFacts, ids: Collection[str]) -> list[Fact]:
    where = f" ({facts.assigned_at})" if facts.assigned_at else ""
    return [Fact("DEBUG", f"{facts.value}{where}", facts.is_off)]


def debug_off_step(facts: DebugFacts, deployment: Plan) -> Iterator[Step]:
    line = f" Replace the line at {facts.assigned_at} with:" if facts.assigned_at else " In your settings:"
    yield Step(
        "Turn DEBUG off in production, reading a real boolean from the environment.",
        "With DEBUG on, any error shows your settings and code to the visitor (Django's \"You should not have "
        'DEBUG set to True in deployment", security.W018). os.environ.get() returns a string, and "False" is '
        f"true, so compare it. Locally, with {SECRET_KEY_VARIABLE} unset, DEBUG stays on and runserver works as before; "
        f"where {SECRET_KEY_VARIABLE} is set (production) it is off unless {DEBUG_VARIABLE}=1." + line,
        deployment.snippet("DEBUG"),
        "python",
    )


# Also when DEBUG is on here: production reads the same settings.
FIXES = (Fix(frozenset({"deploy_checklist.E006", "security.W018"}), debug_off_step, also=lambda facts: not facts.is_off),)
