"""Split planning (pure) and service rules that need no HTTP."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restaurant_api.errors import DomainError
from restaurant_api.orders.models import OrderLine
from restaurant_api.orders.service import InvalidSplit, SplitMode, SplitRequest, plan_split
from restaurant_api.tables import service
from restaurant_api.tables.rest import split_request_from_body
from restaurant_api.users.models import Role, User


def line(cents: int, quantity: int = 1, seat: int | None = None) -> OrderLine:
    return OrderLine(
        order_id=1,
        name="x",
        category="c",
        unit_price_cents=cents,
        quantity=quantity,
        seat_number=seat,
    )


def test_100_in_3_ways():
    shares = plan_split([line(10000)], SplitRequest(mode=SplitMode.EVEN, ways=3))
    assert [s.total_cents for s in shares] == [3334, 3333, 3333]


@given(
    total=st.integers(min_value=0, max_value=10**9),
    ways=st.integers(min_value=1, max_value=service.MAX_SPLIT_WAYS),
)
def test_even_shares_add_up_and_differ_by_at_most_a_cent(total, ways):
    shares = plan_split([line(total)], SplitRequest(mode=SplitMode.EVEN, ways=ways))
    cents = [s.total_cents for s in shares]
    assert len(cents) == ways
    assert sum(cents) == total
    assert max(cents) - min(cents) <= 1
    assert cents == sorted(cents, reverse=True)  # the leftover cents go to the first shares


lines_strategy = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=100_000),
        st.integers(min_value=1, max_value=5),
        st.one_of(st.none(), st.integers(min_value=1, max_value=6)),
    ),
    min_size=1,
    max_size=15,
)


@given(data=st.data(), specs=lines_strategy)
def test_item_splits_cover_every_line_exactly_once(data, specs):
    lines = [line(c, q, s) for c, q, s in specs]
    parts = data.draw(st.integers(min_value=1, max_value=len(lines)))
    owner = data.draw(
        st.lists(
            st.integers(min_value=0, max_value=parts - 1),
            min_size=len(lines),
            max_size=len(lines),
        )
    )
    groups = [tuple(i for i in range(len(lines)) if owner[i] == p) for p in range(parts)]
    groups = [g for g in groups if g]
    shares = plan_split(lines, SplitRequest(mode=SplitMode.ITEMS, groups=tuple(groups)))
    covered = sorted(i for s in shares for i in s.line_indexes)
    assert covered == list(range(len(lines)))
    assert sum(s.total_cents for s in shares) == sum(c * q for c, q, _ in specs)


@given(specs=lines_strategy)
def test_seat_splits_cover_every_line_exactly_once(specs):
    lines = [line(c, q, s) for c, q, s in specs]
    request = SplitRequest(mode=SplitMode.SEATS)
    if all(s is None for _, _, s in specs):
        with pytest.raises(InvalidSplit):
            plan_split(lines, request)
        return
    shares = plan_split(lines, request)
    covered = sorted(i for s in shares for i in s.line_indexes)
    assert covered == list(range(len(lines)))
    assert sum(s.total_cents for s in shares) == sum(c * q for c, q, _ in specs)
    for share in shares:
        seats = {lines[i].seat_number for i in share.line_indexes}
        assert seats == {share.seat_number}


@pytest.mark.parametrize(
    "request_",
    [
        SplitRequest(mode=SplitMode.ITEMS),
        SplitRequest(mode=SplitMode.ITEMS, groups=((0,), (1,))),
        SplitRequest(mode=SplitMode.ITEMS, groups=((0, 1, 2), ())),
        SplitRequest(mode=SplitMode.ITEMS, groups=((0, 1, 2, 2),)),
        SplitRequest(mode=SplitMode.ITEMS, groups=((0, 1, 3),)),
        SplitRequest(mode=SplitMode.SEATS, groups=((0, 1, 2),), seat_numbers=()),
        SplitRequest(mode=SplitMode.SEATS, groups=((0,), (1, 2)), seat_numbers=(1, 1)),
        SplitRequest(mode=SplitMode.SEATS, groups=((0, 1, 2),), seat_numbers=(-3,)),
        SplitRequest(mode=SplitMode.EVEN),
        SplitRequest(mode=SplitMode.EVEN, ways=0),
        SplitRequest(mode=SplitMode.EVEN, ways=service.MAX_SPLIT_WAYS + 1),
    ],
)
def test_bad_split_requests_are_invalid_input(request_):
    with pytest.raises(InvalidSplit) as raised:
        plan_split([line(100), line(200), line(300)], request_)
    assert raised.value.http_status == 422


async def test_services_check_roles(db, add_table):
    table = await add_table(1)
    cook = User(id=1, name="Cook", email="c@example.com", hashed_password="x", role=Role.KITCHEN)
    async with db.session() as session:
        assert [t.id for t in await service.list_tables(session, actor=cook)] == [table.id]
        for call in (
            service.assign_seat(session, actor=cook, table_id=table.id, seat_number=1),
            service.release_table(session, actor=cook, table_id=table.id),
            service.create_table(session, actor=cook, table_number=2, capacity=2),
            service.list_tables(session, actor=None),
        ):
            with pytest.raises(DomainError) as raised:
                await call
            assert raised.value.http_status in (401, 403)


async def test_placing_an_order_on_a_merged_table_is_refused(db, add_table, add_order):
    first = await add_table(1)
    second = await add_table(2)
    order = await add_order([])
    admin = User(id=1, name="A", email="a@example.com", hashed_password="x", role=Role.ADMIN)
    async with db.session() as session:
        await service.merge_tables(
            session, actor=admin, table_id=first.id, other_table_id=second.id
        )
    async with db.session() as session:
        with pytest.raises(service.TableMerged):
            await service.occupy_table_for_order(session, table_id=second.id, order=order)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                ["method", "splits", "items", "ways", "seat_assignments", "split_1", "1"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@given(
    body=json_values
    | st.fixed_dictionaries(
        {"method": st.sampled_from(["items", "seats", "even"])},
        optional={"splits": json_values, "seat_assignments": json_values, "ways": json_values},
    )
)
def test_any_split_body_is_a_plan_or_a_domain_error(body):
    lines = [line(899, 1, 1), line(350, 2, 2), line(690, 1, None)]
    try:
        shares = plan_split(lines, split_request_from_body(body))
    except DomainError as error:
        assert error.http_status == 422
        return
    assert sum(s.total_cents for s in shares) == 899 + 700 + 690
