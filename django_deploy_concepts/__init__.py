"""Find out, from your own live project, what stands between runserver and a real deployment."""

from __future__ import annotations

__version__ = "0.1.0"
