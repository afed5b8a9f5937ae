"""Account operations over GraphQL: typed results with stable codes."""

from __future__ import annotations

from restaurant_api.users.models import Role
from tests.conftest import PASSWORD, gid

REGISTER = """
mutation($input: RegisterInput!) {
  register(input: $input) {
    __typename
    ... on RegistrationPayload { message }
    ... on Error { code message }
    ... on ValidationError { field }
  }
}"""

LOGIN = """
mutation($email: String!, $password: String!) {
  login(input: {email: $email, password: $password}) {
    __typename
    ... on AuthPayload { accessToken refreshToken tokenType user { email role } }
    ... on Error { code message }
  }
}"""

REFRESH = """
mutation($token: String!) {
  refreshToken(refreshToken: $token) {
    __typename
    ... on AuthPayload { accessToken refreshToken }
    ... on Error { code message }
  }
}"""


async def test_register_login_me_round_trip(gql, admin):
    registered = await gql(
        REGISTER,
        {"input": {"name": "Grace", "email": "Grace@Example.com", "password": "password123"}},
    )
    payload = registered["data"]["register"]
    assert payload["__typename"] == "RegistrationPayload"
    # Self-registered accounts wait for an admin: until then, the answer of a wrong password.
    pending = await gql(LOGIN, {"email": "grace@example.com", "password": "password123"})
    assert pending["data"]["login"]["code"] == "INVALID_CREDENTIALS"
    users = await gql("{ users { edges { node { id email role isActive } } } }", staff=admin)
    grace = next(
        edge["node"]
        for edge in users["data"]["users"]["edges"]
        if edge["node"]["email"] == "grace@example.com"
    )
    assert (grace["role"], grace["isActive"]) == ("SERVER", False)
    activated = await gql(
        """mutation($id: ID!) { reactivateUser(userId: $id) { __typename } }""",
        {"id": grace["id"]},
        staff=admin,
    )
    assert activated["data"]["reactivateUser"]["__typename"] == "UserPayload"
    logged_in = await gql(LOGIN, {"email": "grace@example.com", "password": "password123"})
    auth = logged_in["data"]["login"]
    assert auth["__typename"] == "AuthPayload"
    assert auth["tokenType"] == "bearer"
    me = await gql("{ me { email role isActive } }", token=auth["accessToken"])
    assert me == {
        "data": {"me": {"email": "grace@example.com", "role": "SERVER", "isActive": True}}
    }


async def test_register_errors_are_typed_and_a_taken_email_is_not_revealed(gql):
    first = await gql(
        REGISTER, {"input": {"name": "A", "email": "a@example.com", "password": "password1"}}
    )
    taken = await gql(
        REGISTER, {"input": {"name": "A", "email": "A@EXAMPLE.com", "password": "password1"}}
    )
    # The same answer for a new and for an existing email: no enumeration.
    assert taken["data"]["register"] == first["data"]["register"]
    assert taken["data"]["register"]["__typename"] == "RegistrationPayload"
    short = await gql(REGISTER, {"input": {"name": "A", "email": "b@example.com", "password": "x"}})
    assert short["data"]["register"] == {
        "__typename": "ValidationError",
        "code": "VALIDATION_ERROR",
        "message": "Password must be at least 8 characters",
        "field": "password",
    }
    bad_email = await gql(
        REGISTER, {"input": {"name": "A", "email": "nope", "password": "password1"}}
    )
    assert bad_email["data"]["register"]["field"] == "email"


async def test_login_failure_is_typed(gql, server):
    wrong = await gql(LOGIN, {"email": server.user.email, "password": "wrong-one"})
    unknown = await gql(LOGIN, {"email": "ghost@example.com", "password": "whatever1"})
    for result in (wrong, unknown):
        assert result["data"]["login"] == {
            "__typename": "AuthenticationError",
            "code": "INVALID_CREDENTIALS",
            "message": "Invalid email or password",
        }


async def test_refresh_rotation_and_reuse_detection(gql, server):
    auth = (await gql(LOGIN, {"email": server.user.email, "password": PASSWORD}))["data"]["login"]
    rotated = (await gql(REFRESH, {"token": auth["refreshToken"]}))["data"]["refreshToken"]
    assert rotated["__typename"] == "AuthPayload"
    reused = (await gql(REFRESH, {"token": auth["refreshToken"]}))["data"]["refreshToken"]
    assert reused["__typename"] == "AuthenticationError"
    assert reused["code"] == "INVALID_TOKEN"
    family_dead = (await gql(REFRESH, {"token": rotated["refreshToken"]}))["data"]["refreshToken"]
    assert family_dead["code"] == "INVALID_TOKEN"


async def test_users_query_is_admin_only(gql, admin, server):
    denied = await gql("{ users { edges { cursor } } }", staff=server)
    assert denied["data"] == {"users": None}  # nullable: other root fields still answer
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    anonymous = await gql("{ users { edges { cursor } } }")
    assert anonymous["errors"][0]["message"] == "Not enough permissions"
    allowed = await gql("{ users { edges { node { email role } } } }", staff=admin)
    assert {edge["node"]["email"] for edge in allowed["data"]["users"]["edges"]} == {
        admin.user.email,
        server.user.email,
    }


async def test_users_is_a_connection(gql, admin, make_staff):
    for _ in range(4):
        await make_staff(Role.KITCHEN)
    query = """query($after: String) { users(first: 2, after: $after) {
        edges { cursor node { databaseId } } pageInfo { hasNextPage endCursor } } }"""
    seen, after = [], None
    while True:
        page = (await gql(query, {"after": after}, staff=admin))["data"]["users"]
        seen += [edge["node"]["databaseId"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == 5 and seen == sorted(seen)
    bad = await gql("{ users(first: 101) { edges { cursor } } }", staff=admin)
    assert bad["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR", "field": "first"}


async def test_me_without_or_with_bad_token(gql):
    anonymous = await gql("{ me { id } }")
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    forged = await gql("{ me { id } }", token="not.a.token")
    assert forged["errors"][0]["message"] == "Invalid token"


async def test_role_change_and_deactivation(gql, admin, server, make_staff):
    change = await gql(
        """mutation($id: ID!) { changeUserRole(userId: $id, role: MANAGER) {
             __typename ... on UserPayload { user { role } } ... on Error { code } } }""",
        {"id": gid("User", server.user.id)},
        staff=admin,
    )
    assert change["data"]["changeUserRole"] == {
        "__typename": "UserPayload",
        "user": {"role": "MANAGER"},
    }
    # The role change ended the tokens issued under the old role.
    stale = await gql("{ me { id } }", staff=server)
    assert stale["errors"][0]["message"] == "Invalid token"
    other = await make_staff(Role.KITCHEN)
    bystander = await make_staff(Role.SERVER)
    denied = await gql(
        """mutation($id: ID!) {
             deactivateUser(userId: $id) { __typename ... on Error { code } } }""",
        {"id": gid("User", other.user.id)},
        staff=bystander,
    )
    assert denied["data"]["deactivateUser"] == {
        "__typename": "PermissionDeniedError",
        "code": "PERMISSION_DENIED",
    }
    done = await gql(
        """mutation($id: ID!) { deactivateUser(userId: $id) {
             __typename ... on UserPayload { user { isActive } } } }""",
        {"id": gid("User", other.user.id)},
        staff=admin,
    )
    assert done["data"]["deactivateUser"]["user"]["isActive"] is False
    locked_out = await gql("{ me { id } }", staff=other)
    assert locked_out["errors"][0]["message"] == "Invalid token"
    missing = await gql(
        """mutation($id: ID!) {
             reactivateUser(userId: $id) { __typename ... on Error { code } } }""",
        {"id": gid("User", 424242)},
        staff=admin,
    )
    assert missing["data"]["reactivateUser"] == {"__typename": "NotFoundError", "code": "NOT_FOUND"}


async def test_failed_mutation_does_not_undo_an_earlier_one(gql, admin, server):
    result = await gql(
        """mutation($id: ID!, $missing: ID!) {
             first: changeUserRole(userId: $id, role: KITCHEN) { __typename }
             second: deactivateUser(userId: $missing) { __typename }
           }""",
        {"id": gid("User", server.user.id), "missing": gid("User", 424242)},
        staff=admin,
    )
    assert result["data"] == {
        "first": {"__typename": "UserPayload"},
        "second": {"__typename": "NotFoundError"},
    }
    users = await gql("{ users { edges { node { email role } } } }", staff=admin)
    nodes = [edge["node"] for edge in users["data"]["users"]["edges"]]
    assert {"email": server.user.email, "role": "KITCHEN"} in nodes
