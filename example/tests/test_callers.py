"""Caller: who is calling, as the views and the access checks see them."""

import pytest

from my_service.auth.callers import ANONYMOUS


def test_an_anonymous_caller_has_no_user_and_the_public_scope():
    assert ANONYMOUS.user_id is None
    assert ANONYMOUS.scope == "public"


def test_asking_an_anonymous_caller_for_its_user_is_a_programming_error():
    # Reached only if an operation that reads the signed-in user is declared public.
    with pytest.raises(LookupError, match="access policy must require one"):
        _ = ANONYMOUS.signed_in
