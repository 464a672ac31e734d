"""Argon2id's cost comes from the ARGON2_* settings: production refuses less than OWASP's floor, a hash made
at another cost still verifies and is upgraded at the next sign-in, and the default is RFC 9106's profile."""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from core import accounts
from core.settings import DEFAULTS
from extensions import db
from tests.conftest import PASSWORD


def test_defaults_are_rfc_9106_low_memory_and_production_refuses_less():
    cost = (DEFAULTS["ARGON2_TIME_COST"], DEFAULTS["ARGON2_MEMORY_KIB"], DEFAULTS["ARGON2_PARALLELISM"])
    assert cost == (3, 65536, 4)
    with pytest.raises(ValueError, match="refused in production"):
        accounts.configure_hashing(time_cost=1, memory_kib=1024, parallelism=1, production=True)
    with pytest.raises(ValueError, match="refused in production"):
        accounts.configure_hashing(time_cost=1, memory_kib=65536, parallelism=4, production=True)


def test_a_hash_of_another_cost_verifies_and_is_upgraded_at_sign_in(app, make_user):
    user = make_user("kim")
    older = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1).hash(PASSWORD)
    user.password_hash = older
    db.session.commit()
    status, _ = accounts.authenticate(db.session, "kim", PASSWORD)
    assert status is accounts.SignIn.OK
    assert user.password_hash != older and "m=1024,t=1,p=1" in user.password_hash   # the tests' cost
    assert accounts.verify_password(user.password_hash, PASSWORD)
