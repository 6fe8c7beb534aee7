"""SECRET_KEY: set, secret (not in the source), the same in every process, and rotated with fallbacks.

Docs: docs/checks/checklist.rst; Django: https://docs.djangoproject.com/en/stable/ref/settings/#secret-key
The key itself is compared, never kept: the facts hold only lengths, names and source lines.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator

from django.core.checks import CheckMessage, Error, Warning
from django.core.checks.security.base import SECRET_KEY_INSECURE_PREFIX, SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS

from django_deploy_concepts.concerns.base import Fix
from django_deploy_concepts.concerns.checklist import source
from django_deploy_concepts.concerns.checklist.facts import SecretKeyFacts
from django_deploy_concepts.context import ProjectContext
from django_deploy_concepts.plan import SECRET_KEY_VARIABLE, Plan
from django_deploy_concepts.report import Fact, Step

DEFAULT_VARIABLE = "DJANGO_SECRET_KEY"
EMPTY_KEY_ERROR = "The SECRET_KEY setting must not be empty."


# Facts --------------------------------------------------------------------------------------------


def is_weak(key: str | bytes) -> bool:
    text = key.decode(errors="replace") if isinstance(key, bytes) else key
    return not (
        len(set(text)) >= SECRET_KEY_MIN_UNIQUE_CHARACTERS
        and len(text) >= SECRET_KEY_MIN_LENGTH
        and not text.startswith(SECRET_KEY_INSECURE_PREFIX)
    )


def key_read(node: ast.expr) -> source.EnvironRead | None:
    """The environment read inside a SECRET_KEY expression (``get(...) or default`` included)."""
    return next((read for child in ast.walk(node) if (read := source.environ_read(child)) is not None), None)


def collect(context: ProjectContext, parsed: tuple[source.ParsedSource, ...]) -> SecretKeyFacts:
    key = context.setting("SECRET_KEY")
    error = next((item.error for item in context.setting_errors if item.name == "SECRET_KEY"), None)
    if error is None and not key:
        error = EMPTY_KEY_ERROR
    literal_at = fallback_at = generated_at = generated_fallback_at = None
    variable = None
    for location, value in source.assignments(parsed, "SECRET_KEY"):
        read = key_read(value)
        if read is not None and read.variable:
            variable = read.variable
        variable_set = read is not None and bool(read.variable) and read.variable in context.environ
        literal = source.string_value(value)
        default = source.string_value(read.default) if read is not None else None
        if literal is not None and literal == key:
            literal_at = str(location)
        elif read is not None and default is not None and default == key and not variable_set:
            fallback_at = str(location)
        elif source.generates_key(value) and read is not None and read.variable:
            # The key comes from the environment where the variable is set: only the fallback is a risk.
            generated_fallback_at = str(location)
        elif source.generates_key(value) and not variable_set:
            generated_at = str(location)
    fallbacks = context.setting("SECRET_KEY_FALLBACKS", [])
    fallbacks_ok = isinstance(fallbacks, (list, tuple))
    return SecretKeyFacts(
        error=error,
        length=len(key) if isinstance(key, (str, bytes)) else None,
        weak=is_weak(key) if isinstance(key, (str, bytes)) and key else True,
        literal_at=literal_at,
        fallback_at=fallback_at,
        generated_at=generated_at,
        variable=variable,
        variable_set=bool(variable) and variable in context.environ,
        fallbacks_count=len(fallbacks) if fallbacks_ok else None,
        fallbacks_error=None if fallbacks_ok else f"SECRET_KEY_FALLBACKS should be a list, not {type(fallbacks).__name__}",
        generated_fallback_at=generated_fallback_at,
    )


# Checks -------------------------------------------------------------------------------------------


def e002(facts: SecretKeyFacts) -> Error:
    return Error(
        f"SECRET_KEY cannot be used: {facts.error}",
        hint='Read it from the environment: SECRET_KEY = os.environ["DJANGO_SECRET_KEY"], and set it in every step.',
        id="deploy_checklist.E002",
    )


def check_secret_key_usable(facts: SecretKeyFacts) -> list[CheckMessage]:
    return [e002(facts)] if facts.error else []


def w007(facts: SecretKeyFacts) -> Warning:
    return Warning(
        "SECRET_KEY is a string in the settings source: anyone with the code has it.",
        hint=f'Read it from the environment: SECRET_KEY = os.environ["{facts.variable or DEFAULT_VARIABLE}"].',
        obj=facts.literal_at,
        id="deploy_checklist.W007",
    )


def check_secret_key_literal(facts: SecretKeyFacts) -> list[CheckMessage]:
    # A weak literal (startproject's "django-insecure-" key) is Django's own security.W009.
    return [w007(facts)] if facts.literal_at and not facts.weak else []


def w008(facts: SecretKeyFacts) -> Warning:
    variable = facts.variable or DEFAULT_VARIABLE
    return Warning(
        f"SECRET_KEY falls back to the default in the source: {variable} is not set.",
        hint=f'Set {variable} wherever the app runs; os.environ["{variable}"] fails loudly instead.',
        obj=facts.fallback_at,
        id="deploy_checklist.W008",
    )


def check_secret_key_fallback_default(facts: SecretKeyFacts) -> list[CheckMessage]:
    return [w008(facts)] if facts.fallback_at else []


def e009(facts: SecretKeyFacts) -> Error:
    return Error(
        "SECRET_KEY is generated at import time: every process gets a different one.",
        hint=f'Generate it once and set it: SECRET_KEY = os.environ["{facts.variable or DEFAULT_VARIABLE}"].',
        obj=facts.generated_at,
        id="deploy_checklist.E009",
    )


def check_secret_key_generated(facts: SecretKeyFacts) -> list[CheckMessage]:
    return [e009(facts)] if facts.generated_at else []


def w032(facts: SecretKeyFacts) -> Warning:
    variable = facts.variable or DEFAULT_VARIABLE
    where = "is set here" if facts.variable_set else "is not set here"
    return Warning(
        f"SECRET_KEY is random per process wherever {variable} is unset ({variable} {where}).",
        hint=f'Drop the fallback: SECRET_KEY = os.environ["{variable}"] fails loudly instead of logging users out.',
        obj=facts.generated_fallback_at,
        id="deploy_checklist.W032",
    )


def check_secret_key_generated_fallback(facts: SecretKeyFacts) -> list[CheckMessage]:
    return [w032(facts)] if facts.generated_fallback_at else []


CHECKS = (
    check_secret_key_usable,
    check_secret_key_literal,
    check_secret_key_fallback_default,
    check_secret_key_generated,
    check_secret_key_generated_fallback,
)


# Explanation --------------------------------------------------------------------------------------

GENERATE_COMMAND = 'python -c "from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())"'


def describe(facts: SecretKeyFacts) -> str:
    if facts.error:
        return facts.error
    origin = (
        f"a string in {facts.literal_at}"
        if facts.literal_at
        else f"the default in {facts.fallback_at} ({facts.variable} is not set)"
        if facts.fallback_at
        else f"generated at import time in {facts.generated_at}"
        if facts.generated_at
        else f"from the environment variable {facts.variable}"
        if facts.variable and facts.variable_set
        else "set"
    )
    return f"{origin}; {facts.length} characters{', weak' if facts.weak else ''} (value not shown)"


def found(facts: SecretKeyFacts, ids: Collection[str]) -> list[Fact]:
    found_facts = [
        Fact("SECRET_KEY", describe(facts), not (facts.error or facts.weak or facts.literal_at or facts.fallback_at or facts.generated_at))
    ]
    if facts.fallbacks_error:
        found_facts.append(Fact("SECRET_KEY_FALLBACKS", facts.fallbacks_error, False))
    elif facts.fallbacks_count:
        found_facts.append(Fact("SECRET_KEY_FALLBACKS", f"{facts.fallbacks_count} old key(s) still accepted (values not shown)", None))
    return found_facts


def secret_key_step(facts: SecretKeyFacts, deployment: Plan) -> Iterator[Step]:
    where = facts.literal_at or facts.fallback_at or facts.generated_at
    line = f" replace the line at {where} with:" if where else " put in your settings:"
    yield Step(
        "Generate one secret key, keep it out of the code, and give the same one to every process.",
        "SECRET_KEY signs sessions, password-reset links and messages. A key in the code is known to everyone who "
        "can read it (Django's security.W009 warns about startproject's \"django-insecure-\" key); a key generated "
        "at import time differs in each worker, so users are logged out at random and signed links fail; an empty "
        f'one stops Django with "{EMPTY_KEY_ERROR}", often in a build step. Generate a key once ({GENERATE_COMMAND}) '
        f"and set it as {SECRET_KEY_VARIABLE} where the site runs: on {deployment.platform.title if deployment.platform.name != 'unknown' else 'your platform'}, "
        f"{deployment.platform.set_variables}. Set nothing locally: runserver then uses a development-only key. "
        f"Then{line}",
        deployment.snippet("SECRET_KEY"),
        "python",
    )


def fallbacks_step(facts: SecretKeyFacts, deployment: Plan) -> Iterator[Step]:
    variable = facts.variable or DEFAULT_VARIABLE
    yield Step(
        "Rotate keys with SECRET_KEY_FALLBACKS, read from the environment too.",
        "Put the new key in SECRET_KEY and the old one in SECRET_KEY_FALLBACKS: signatures made with the old key "
        "stay valid until you remove it. Django's security.W025 says a fallback is weak; fallbacks are as secret "
        "as the key.",
        f'SECRET_KEY_FALLBACKS = [key for key in os.environ.get("{variable}_FALLBACKS", "").split(",") if key]',
        "python",
    )


# Also when the facts show the problem themselves (E002, W007, W008, E009 report it).
FIXES = (
    Fix(
        frozenset({"security.W009"}),
        secret_key_step,
        also=lambda facts: bool(facts.error or facts.literal_at or facts.fallback_at or facts.generated_at),
    ),
    Fix(frozenset({"security.W025"}), fallbacks_step, also=lambda facts: bool(facts.fallbacks_error)),
)
