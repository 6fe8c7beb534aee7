"""Where a server error's log record goes in production: Django's logging configuration, modelled.

Django applies its DEFAULT_LOGGING with ``dictConfig`` and then the project's LOGGING. This module
follows the record ``django.request`` logs for an unhandled exception through that configuration,
with DEBUG = False, without configuring the real loggers. Pure functions over the settings' values.
Docs: https://docs.djangoproject.com/en/stable/topics/logging/#default-logging-configuration
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from typing import Any

from django.utils.log import DEFAULT_LOGGING

from django_deploy_concepts.concerns.checklist.facts import Route

REQUEST_LOGGER = "django.request"
DICT_CONFIG = "logging.config.dictConfig"
# Loggers Django creates at import time: they exist when the project's LOGGING is applied.
EXISTING_LOGGERS = ("django", "django.request", "django.server", "django.security", "django.db.backends", "django.template")

STREAM_CLASSES = ("StreamHandler", "RichHandler", "ColorizingStreamHandler")
FILE_CLASSES = ("FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler")


@dataclasses.dataclass(frozen=True)
class Analysis:
    routes: tuple[Route, ...]
    # True when the project's LOGGING disables django.request (disable_existing_loggers).
    request_logger_disabled: bool
    # Set when the configuration cannot be followed (a custom LOGGING_CONFIG, a malformed dict).
    unknown: str | None = None


@dataclasses.dataclass
class LoggerState:
    handlers: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = dataclasses.field(default_factory=list)
    level: int = logging.NOTSET
    propagate: bool = True
    disabled: bool = False


def level_number(value: object) -> int:
    if isinstance(value, int):
        return value
    number = logging.getLevelName(str(value).upper())
    return number if isinstance(number, int) else logging.NOTSET


def handler_kind(spec: Mapping[str, Any]) -> str:
    path = str(spec.get("class") or spec.get("()") or "")
    name = path.rsplit(".", 1)[-1]
    if "AdminEmailHandler" in name:
        return "mail_admins"
    if name == "NullHandler":
        return "null"
    if name in FILE_CLASSES:
        return "file"
    if name in STREAM_CLASSES:
        return "stream"
    return "other"


def filter_passes_in_production(filter_spec: object) -> bool:
    factory = str(filter_spec.get("()", "")) if isinstance(filter_spec, Mapping) else ""
    # RequireDebugTrue lets records through only while DEBUG is on: never in production.
    return not factory.endswith("RequireDebugTrue")


def route_for(handler: str, logger: str, spec: Mapping[str, Any], filters: Mapping[str, Any]) -> Route:
    kind = handler_kind(spec)
    if level_number(spec.get("level", logging.NOTSET)) > logging.ERROR:
        return Route(handler, logger, kind, False, f"its level is {spec.get('level')}")
    for name in spec.get("filters", ()) or ():
        if not filter_passes_in_production(filters.get(str(name))):
            return Route(handler, logger, kind, False, f"its filter {name!r} passes records only with DEBUG on")
    return Route(handler, logger, kind, kind != "null", "it discards records" if kind == "null" else None)


def apply(config: Mapping[str, Any], loggers: dict[str, LoggerState], root: LoggerState, existing: set[str]) -> None:
    """What ``logging.config.dictConfig(config)`` does to the loggers on the request's path."""
    handlers = config.get("handlers") or {}
    filters = config.get("filters") or {}
    configured = config.get("loggers") or {}

    def attach(names: object) -> list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
        attached = []
        for name in names if isinstance(names, (list, tuple)) else ():
            spec = handlers.get(name)
            if isinstance(spec, Mapping):
                attached.append((str(name), spec, filters))
        return attached

    children: set[str] = set()
    for name in configured:
        children |= {other for other in existing if other.startswith(f"{name}.")}
    for name in existing - set(configured):
        state = loggers.setdefault(name, LoggerState())
        if name in children:
            # dictConfig resets the children of a configured logger so they pass records up.
            loggers[name] = LoggerState()
        elif config.get("disable_existing_loggers", True):
            state.disabled = True
    for name, spec in configured.items():
        if not isinstance(spec, Mapping):
            continue
        state = loggers.setdefault(str(name), LoggerState())
        state.disabled = False
        state.handlers = attach(spec.get("handlers", ()))
        if "level" in spec:
            state.level = level_number(spec["level"])
        if "propagate" in spec:
            state.propagate = bool(spec["propagate"])
        existing.add(str(name))
    root_spec = config.get("root")
    if isinstance(root_spec, Mapping):
        root.handlers = attach(root_spec.get("handlers", ()))
        if "level" in root_spec:
            root.level = level_number(root_spec["level"])


def analyse(logging_config: object, logging_settings: object) -> Analysis:
    if logging_config is None or logging_config == "":
        # Django leaves logging alone; Python's last-resort handler prints errors to stderr.
        return Analysis((Route("lastResort", "root", "stream", True),), False)
    if logging_config != DICT_CONFIG:
        return Analysis((), False, unknown=f"LOGGING_CONFIG is {logging_config!r}")
    loggers: dict[str, LoggerState] = {}
    root = LoggerState(level=logging.WARNING)
    existing = set(EXISTING_LOGGERS)
    apply(DEFAULT_LOGGING, loggers, root, existing)
    if logging_settings:
        if not isinstance(logging_settings, Mapping):
            return Analysis((), False, unknown=f"LOGGING should be a dict, not {type(logging_settings).__name__}")
        if logging_settings.get("incremental"):
            return Analysis((), False, unknown="LOGGING is incremental")
        apply(logging_settings, loggers, root, existing)

    chain = [(REQUEST_LOGGER, loggers.get(REQUEST_LOGGER, LoggerState())), ("django", loggers.get("django", LoggerState()))]
    chain.append(("root", root))
    if chain[0][1].disabled:
        return Analysis((), True)
    effective = next((state.level for _, state in chain if state.level != logging.NOTSET), logging.WARNING)
    routes: list[Route] = []
    found_any = False
    for name, state in chain:
        for handler, spec, filters in state.handlers:
            found_any = True
            route = route_for(handler, name, spec, filters)
            if effective > logging.ERROR:
                route = dataclasses.replace(route, live=False, reason=f"the {REQUEST_LOGGER} logger's level is above ERROR")
            routes.append(route)
        if not state.propagate:
            break
    if not found_any and effective <= logging.ERROR:
        routes.append(Route("lastResort", "root", "stream", True))
    return Analysis(tuple(routes), False)
