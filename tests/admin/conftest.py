from __future__ import annotations

import pytest

from tests.conftest import make_user


@pytest.fixture
def staff_admin(db):
    """An admin-role user who may use the Django admin."""
    user = make_user("ada", "admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def staff_viewer(db):
    """A viewer who may open the admin: sees records, may change nothing."""
    user = make_user("victor", "viewer")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
