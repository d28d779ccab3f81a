"""The settings the test suite runs with (pyproject.toml's DJANGO_SETTINGS_MODULE for pytest): the product's own,
read from the environment as in production, with the two things a test run has no use for turned off once here
instead of by a fixture around every test.

The processes some tests start (`apertura serve`, `apertura worker`, `apertura demo`) run the product's settings,
not these: tests/conftest.py points DJANGO_SETTINGS_MODULE back at apertura.settings for them.
"""

from apertura.settings import *  # noqa: F401,F403

# Argon2 is slow on purpose; the tests check behaviour, not the cost of hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tasks run as they are queued, in the test's own transaction. The tests of real workers (tests/hostile/test_jobs.py,
# tests/test_cli.py) switch to the database backend for their processes.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
