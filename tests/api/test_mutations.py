"""`@domain_mutation`: what it checks when a resolver is declared."""

from __future__ import annotations

from typing import Any

import pytest

from restaurant_api import schema  # noqa: F401 (imports every domain's mutations)
from restaurant_api.api.mutations import SELF_MANAGED_MUTATIONS, domain_mutation


def test_the_self_managed_mutations_are_the_ones_that_hash_passwords() -> None:
    assert {
        "login",
        "register",
        "changePassword",
        "resetUserPassword",
        "acceptInvitation",
    } == SELF_MANAGED_MUTATIONS


def test_a_body_takes_a_session_unless_it_is_self_managed() -> None:
    with pytest.raises(TypeError):

        @domain_mutation
        async def without_session(self: Any, info: Any) -> None: ...

    with pytest.raises(TypeError):

        @domain_mutation(self_managed=True)
        async def with_session(self: Any, info: Any, session: Any) -> None: ...
