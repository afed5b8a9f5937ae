"""Fuzzing both APIs with hostile input: no 5xx and no "Unexpected error." anywhere.

Hypothesis generates the requests (lone surrogates, NUL, deep JSON, huge and tiny
exponents, integers past 32 and 64 bits, absurd dates, forged cursors, non-object and
non-UTF-8 GraphQL bodies); each is then sent to the app on SQLite and PostgreSQL. The
examples are derandomized so CI runs the same bounded set every time.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = 100


@dataclass(frozen=True)
class Probe:
    method: str
    path: str
    body: bytes
    who: str  # "server", "manager" or "" (anonymous)
    params: tuple[tuple[str, str], ...] = ()


def collect(strategy: st.SearchStrategy[Probe], examples: int = EXAMPLES) -> list[Probe]:
    """Draw `examples` probes from `strategy` (hypothesis generates; the test sends)."""
    probes: list[Probe] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def draw(probe: Probe) -> None:
        probes.append(probe)

    draw()
    return probes


# --- hostile values -------------------------------------------------------------------------


class Raw(str):
    """JSON text inserted as is (numbers JSON has no Python value for, e.g. 1e999999)."""


def dumps(value: Any) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return json.dumps(value)  # ensure_ascii: lone surrogates become \\udXXX escapes


surrogates = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
hostile_text = st.one_of(
    st.text(max_size=30),
    st.builds(lambda a, s, b: a + s + b, st.text(max_size=5), surrogates, st.text(max_size=5)),
    st.builds(lambda a, b: a + "\x00" + b, st.text(max_size=5), st.text(max_size=5)),
    st.text(st.characters(categories=["Cs", "Cc"]), min_size=1, max_size=5),
)
exponents = st.integers(min_value=-(10**9), max_value=10**9)
number_text = st.one_of(
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-99, 99), exponents),
    st.builds(str, st.integers(min_value=-(2**80), max_value=2**80)),
    st.builds(lambda n: "9" * n, st.integers(1, 5000)),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999999", "1e-999999999", "-0"]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
# A money value as a JSON string or as a bare JSON number.
money = st.one_of(number_text, number_text.map(Raw), hostile_text)
big_ints = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**63, 2**64, -(2**63) - 1]),
)
ints = st.one_of(big_ints, number_text.map(Raw))
years = st.integers(min_value=-99999, max_value=999999)
dates = st.one_of(
    st.builds(lambda y: f"{y:04d}-01-01T00:00:00", years),
    st.builds(
        lambda y, tz: f"{y:04d}-12-31T23:59:59{tz}",
        years,
        st.sampled_from(["Z", "-14:00", "+14:00", "-05:00"]),
    ),
    st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat()),
    hostile_text,
)
cursors = st.one_of(
    hostile_text,
    st.builds(
        lambda d, n: base64.urlsafe_b64encode(f"{d}|{n}".encode("utf-8", "surrogatepass")).decode(),
        dates,
        st.one_of(big_ints.map(str), hostile_text),
    ),
)


def _global_id(type_name: str, raw: str) -> str:
    return base64.b64encode(f"{type_name}:{raw}".encode("utf-8", "surrogatepass")).decode()


# Global ids (schema 1.0): forged ones of every shape, integers and text where an ID goes.
global_ids = st.one_of(
    st.builds(
        _global_id,
        st.sampled_from(["Order", "OrderLine", "Table", "User", "KitchenTicket", "Nope", ""]),
        st.one_of(big_ints.map(str), hostile_text),
    ),
    ints,
    hostile_text,
)


def deep(depth: int, opener: str) -> str:
    closer = {"[": "]", "{": "}"}[opener]
    if opener == "{":
        return '{"a":' * depth + "1" + closer * depth
    return opener * depth + closer * depth


deep_json = st.builds(deep, st.integers(min_value=1, max_value=20_000), st.sampled_from("[{"))
# In a URL (GET): deep enough, and short enough for the client to send (httpx caps a URL).
deep_json_in_url = st.builds(deep, st.integers(min_value=1, max_value=2000), st.sampled_from("[{"))


# --- REST probes ----------------------------------------------------------------------------


def rest(path: str, who: str) -> Callable[[Any], Probe]:
    return lambda body: Probe("POST", path, dumps(body).encode(), who)


line = st.fixed_dictionaries(
    {"name": hostile_text, "category": hostile_text, "price": money},
    optional={
        "quantity": ints,
        "seat_number": ints,
        "modifiers": st.lists(hostile_text, max_size=3),
        "menu_item_id": ints,
    },
)
rest_probes = st.one_of(
    st.fixed_dictionaries(
        {"order": st.lists(line, max_size=3)},
        optional={
            "total": money,
            "table_id": ints,
            "customer_count": ints,
            "special_requests": hostile_text,
        },
    ).map(rest("/api/orders", "server")),
    st.fixed_dictionaries(
        {"name": hostile_text, "category": hostile_text, "price": money},
        optional={"description": hostile_text, "display_order": ints},
    ).map(rest("/api/menu", "manager")),
    st.fixed_dictionaries({"table_number": ints, "capacity": ints}).map(
        rest("/api/tables", "manager")
    ),
    st.fixed_dictionaries({"payment_method": hostile_text, "tip": money}).map(
        rest("/api/orders/1/close", "server")
    ),
    st.one_of(
        st.dictionaries(hostile_text, st.lists(ints, max_size=3), max_size=3),
        st.fixed_dictionaries(
            {
                "method": st.just("seats"),
                "seat_assignments": st.dictionaries(
                    big_ints.map(str), st.lists(ints, max_size=3), max_size=3
                ),
            }
        ),
        st.fixed_dictionaries({"method": st.just("even"), "ways": ints}),
    ).map(rest("/api/tables/split-bill/1", "server")),
    st.fixed_dictionaries({"email": hostile_text, "password": hostile_text}).map(
        rest("/users/login", "")
    ),
    st.builds(
        lambda body, path: Probe("POST", path, body.encode(), "server"),
        deep_json,
        st.sampled_from(["/api/orders", "/api/menu", "/users/login"]),
    ),
)


# --- GraphQL probes -------------------------------------------------------------------------

PLACE = "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { __typename } }"
ORDERS = """query($a: String, $f: DateTime, $t: DateTime, $n: Int!) {
    orders(first: $n, after: $a, createdFrom: $f, createdTo: $t) { edges { cursor } } }"""
PREVIEW = (
    "query($t: ID!, $s: SplitInput!) { splitPreview(tableId: $t, split: $s) { shares { label } } }"
)
MENU = "mutation($i: MenuItemInput!) { createMenuItem(input: $i) { __typename } }"
CLOSE = """mutation($o: ID!, $t: Decimal) {
    closeOrder(orderId: $o, paymentMethod: "card", tip: $t) { __typename } }"""
NODES = """query($id: ID!, $ids: [ID!]!) {
    node(id: $id) { id } nodes(ids: $ids) { id } order(id: $id) { id } table(id: $id) { id } }"""
CONNECTIONS = """query($a: String, $n: Int!, $s: String) {
    users(first: $n, after: $a) { edges { cursor } }
    kitchenTicketHistory(first: $n, after: $a, station: $s) { edges { cursor
      node { timeline(first: $n, after: $a) { edges { cursor } } } } }
    kitchenTickets(first: $n, station: $s) { id } }"""


INLINE_TIP = 'mutation { closeOrder(orderId: 1, paymentMethod: "c", tip: TIP) { __typename } }'


def graphql(query: str, who: str = "server") -> Callable[[Any], Probe]:
    return lambda variables: Probe(
        "POST", "/graphql", dumps({"query": query, "variables": variables}).encode(), who
    )


gql_line = st.fixed_dictionaries(
    {"name": hostile_text, "category": hostile_text, "price": money},
    optional={
        "quantity": ints,
        "seatNumber": ints,
        "modifiers": st.lists(hostile_text, max_size=3),
        "menuItemId": global_ids,
    },
)
not_an_object = st.one_of(
    st.sampled_from(
        [b'"x"', b"null", b"1", b"[]", b"true", b"[{}]", b"", b"\xff\xfe{", b"\xc3(", b"{"]
    ),
    st.binary(max_size=40),
    deep_json.map(str.encode),
)
graphql_probes = st.one_of(
    st.fixed_dictionaries(
        {
            "i": st.fixed_dictionaries(
                {"lines": st.lists(gql_line, max_size=3)},
                optional={"total": money, "customerCount": ints, "tableId": global_ids},
            )
        }
    ).map(graphql(PLACE)),
    st.fixed_dictionaries({"a": cursors, "f": dates, "t": dates, "n": ints}).map(graphql(ORDERS)),
    st.fixed_dictionaries(
        {
            "t": global_ids,
            "s": st.fixed_dictionaries(
                {"mode": st.sampled_from(["ITEMS", "SEATS", "EVEN", "NOPE"])},
                optional={
                    "items": st.lists(st.lists(ints, max_size=3), max_size=3),
                    "ways": ints,
                    "seatAssignments": st.lists(
                        st.fixed_dictionaries(
                            {"seatNumber": ints, "items": st.lists(ints, max_size=3)}
                        ),
                        max_size=3,
                    ),
                },
            ),
        }
    ).map(graphql(PREVIEW)),
    st.fixed_dictionaries(
        {
            "i": st.fixed_dictionaries(
                {"name": hostile_text, "category": hostile_text, "price": money}
            )
        }
    ).map(graphql(MENU, "manager")),
    st.fixed_dictionaries({"o": global_ids, "t": money}).map(graphql(CLOSE)),
    st.fixed_dictionaries({"id": global_ids, "ids": st.lists(global_ids, max_size=3)}).map(
        graphql(NODES)
    ),
    st.fixed_dictionaries({"a": cursors, "n": ints, "s": hostile_text}).map(
        graphql(CONNECTIONS, "manager")
    ),
    not_an_object.map(lambda body: Probe("POST", "/graphql", body, "server")),
    st.builds(
        lambda q: Probe("GET", "/graphql", b"", "server", (("query", q),)),
        st.sampled_from(["subscription { kitchenTickets { kind } }", "{ __typename }", "{"]),
    ),
    st.builds(
        lambda v: Probe(
            "GET", "/graphql", b"", "server", (("query", "{ __typename }"), ("variables", v))
        ),
        st.one_of(deep_json_in_url, st.text(max_size=20), number_text),
    ),
    st.builds(
        lambda v: Probe("POST", "/graphql", dumps({"query": v}).encode(), "server"),
        st.one_of(
            st.builds(
                lambda s: '{ menu(category: "S") { id } }'.replace("S", s),
                st.sampled_from(["\\ud800", "\\u0000", "\\udfff"]),
            ),
            st.builds(
                lambda n: INLINE_TIP.replace("TIP", n),
                number_text,
            ),
            st.just("subscription { kitchenTickets { kind } }"),
        ),
    ),
)


async def send_all(client, probes: list[Probe], staff: dict[str, Any]) -> None:
    for probe in probes:
        headers = {"content-type": "application/json"}
        if probe.who:
            headers.update(staff[probe.who].headers)
        if probe.method == "GET":
            params = [
                (k, v.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
                for k, v in probe.params
            ]
            response = await client.get(probe.path, params=params, headers=headers)
        else:
            response = await client.post(probe.path, content=probe.body, headers=headers)
        shown = probe.body[:300]
        assert response.status_code < 500, (
            probe.path,
            shown,
            response.status_code,
            response.text[:300],
        )
        assert "Unexpected error" not in response.text, (probe.path, shown, response.text[:300])


REST_PROBES = collect(rest_probes, EXAMPLES * 2)
GRAPHQL_PROBES = collect(graphql_probes, EXAMPLES * 3)


async def test_fuzz_rest_never_fails_unexpectedly(client, server, manager):
    assert len(REST_PROBES) > EXAMPLES // 2
    await send_all(client, REST_PROBES, {"server": server, "manager": manager})


async def test_fuzz_graphql_never_fails_unexpectedly(client, server, manager):
    assert len(GRAPHQL_PROBES) > EXAMPLES // 2
    await send_all(client, GRAPHQL_PROBES, {"server": server, "manager": manager})
