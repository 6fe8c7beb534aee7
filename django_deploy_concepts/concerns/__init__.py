"""The concerns, explicit and in the order the report shows them; each package is imported when first used."""

from __future__ import annotations

import importlib

from django_deploy_concepts.concerns.base import Concern

# A single concern's command imports only the packages it uses (a concern may use another's facts).
CONCERN_NAMES = ("static", "database", "wsgi", "webserver", "checklist")


def get_concern(name: str) -> Concern:
    if name not in CONCERN_NAMES:
        raise LookupError(f"no concern named {name!r}")
    concern = importlib.import_module(f"{__name__}.{name}").CONCERN
    if not isinstance(concern, Concern):
        raise TypeError(f"{__name__}.{name}.CONCERN is not a Concern")
    return concern


def all_concerns() -> tuple[Concern, ...]:
    return tuple(get_concern(name) for name in CONCERN_NAMES)
