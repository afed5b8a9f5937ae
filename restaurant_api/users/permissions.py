"""Role checks used by every domain's services."""

from __future__ import annotations

from restaurant_api.errors import AuthenticationFailed, PermissionDenied
from restaurant_api.users.models import Role, User

ALL_STAFF = frozenset(Role)
MANAGERS = frozenset({Role.ADMIN, Role.MANAGER})
FLOOR_STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.SERVER})
ADMINS = frozenset({Role.ADMIN})


def require_role(actor: User | None, roles: frozenset[Role]) -> User:
    """The actor, if signed in with one of `roles`; otherwise a 401/403 domain error."""
    if actor is None:
        raise AuthenticationFailed("Not authenticated")
    if actor.role not in roles:
        raise PermissionDenied()
    return actor
