"""Settings for the test suite: the real settings, with a throwaway secret when none is set."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")

from workflows_ui.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # One file per test run, so two runs at once (or a run beside the service) never share a database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / f"test-{os.getpid()}.sqlite3")}  # noqa: F405
else:
    # PostgreSQL: pytest-django creates (and drops) test_<name>_<pid> as the DATABASE_URL user, which needs
    # CREATEDB (the `postgres` superuser with trust auth on a CI machine has it). Per process, as for SQLite.
    DATABASES["default"]["TEST"] = {"NAME": f"test_{DATABASES['default']['NAME']}_{os.getpid()}"}  # noqa: F405
