#!/usr/bin/env python
"""Run the test suite with Django's own runner; every `manage.py test` option and label works."""

import os
import sys
import warnings

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    # Deprecations are errors here and in the processes the tests start, as in WhiteNoise's suite.
    os.environ.setdefault("PYTHONWARNINGS", "error::DeprecationWarning,error::PendingDeprecationWarning")
    warnings.simplefilter("error", DeprecationWarning)
    warnings.simplefilter("error", PendingDeprecationWarning)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    execute_from_command_line([sys.argv[0], "test", *sys.argv[1:]])
