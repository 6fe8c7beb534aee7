"""Production rehearsal: run the project as production will, on this machine, and report what fails.

Docs: docs/rehearsal.rst; ids: docs/checks/rehearsal.rst. One module per stage: ``build``
(temporary directory, generated settings, collectstatic), ``processes`` (process groups),
``server`` (gunicorn and nginx), ``visit`` (HTTP requests and pages), ``predict`` (which
inspection finding predicted a failure), ``render``; ``run`` ties them together.
"""
