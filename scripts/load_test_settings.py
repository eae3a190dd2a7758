"""Settings for the two servers of scripts/load_test.py: the project's own, read from the same
environment, with a urlconf that adds a trivial view (never used in production)."""

import os

from iruma_eval.settings import *  # noqa: F403

ROOT_URLCONF = "load_test_urls"
# collectstatic's output for this run (DEBUG is off, so whitenoise serves the manifest's files).
STATIC_ROOT = os.environ["LOAD_TEST_STATIC_ROOT"]
