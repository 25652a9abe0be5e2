"""Settings for the test suite: the real settings, with a throwaway secret when none is set."""

import os

os.environ.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")

from workflows_ui.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests
