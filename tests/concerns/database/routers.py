"""A database router that keeps every table off the "production" alias, as a replica's router does."""

from __future__ import annotations

from typing import Any


class NothingOnProduction:
    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return False if db == "production" else None
