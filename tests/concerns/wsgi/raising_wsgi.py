"""A wsgi module that fails at import with a secret in its message, as careless code does."""

import os

raise RuntimeError(f"cannot reach the licence server with token {os.environ.get('LICENCE_API_TOKEN')}")
