"""Receipts: a check's itemized receipt as data and as 48-column printer text; every amount
is the check's (orders' price_order) and the ledger's; split shares; hostile names."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from restaurant_api.errors import InvalidInput
from restaurant_api.orders.models import Order, OrderStatus
from restaurant_api.orders.service import (
    OrderNotFound,
    SplitMode,
    SplitRequest,
    lock_order,
    order_lines,
    price_order,
    split_order,
)
from restaurant_api.payments.days import BusinessCalendar
from restaurant_api.payments.models import PaymentStatus, Tender
from restaurant_api.payments.receipt_text import columns, render_text
from restaurant_api.payments.receipts import receipt_for_order
from restaurant_api.users.models import User
from restaurant_api.users.service import PermissionDenied
from tests.payments.receipts_helpers import add_full_check, add_payment

EXAMPLE = """\
                   Chez Test

Check #1                                Table 12
Server: Server User
Guests: 2
Opened 2026-11-27 00:30
Closed 2026-11-27 01:45
------------------------------------------------
2 x Burger                                 28.00
  @ 14.00
  Cheddar (+1.00)
  Bacon (+0.50)
  no onions
  Discount: Happy hour                     -2.80
Wine                                        9.00
Fries                                       4.50
  Comp: Cold fries                         -4.50
------------------------------------------------
Subtotal                                   41.50
Discount: Loyalty                          -2.00
Service                                     3.22
Sales tax 8.875%                            2.11
VAT 20% incl.                               1.41
TOTAL USD                                  37.53
------------------------------------------------
Visa                                       20.00
  Tip                                       3.00
Cash                                       17.53
  Tendered                                 20.00
  Change                                    2.47
------------------------------------------------
Paid                                       37.53
Tips                                        3.00
Change                                      2.47
Balance due                                 0.00
"""
PARIS = BusinessCalendar("Europe/Paris", 4)
NOW = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)


def row(label: str, cents: int | None = None, indent: str = "", width: int = 48) -> str:
    """A printed line as a reader expects it: label left, amount right at column 48."""
    if cents is None:
        return indent + label
    amount = f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return (indent + label).ljust(width - len(amount)) + amount


async def _receipt(db, staff, order_id, **extra):
    async with db.session() as session:
        actor = await session.get(User, staff.user.id)
        return await receipt_for_order(
            session, actor=actor, order_id=order_id, calendar=PARIS, now=NOW, **extra
        )


async def _check(db, order_id):
    async with db.session() as session:
        order = await session.get(Order, order_id)
        return await price_order(session, order)


async def test_receipt_of_a_check_with_everything(db, add_table, server, manager):
    full = await add_full_check(db, add_table, server.user.id)
    await add_payment(
        db, full.order_id, tender=Tender.CARD, amount=500, status=PaymentStatus.VOIDED
    )
    await add_payment(db, full.order_id, tender=Tender.CARD, amount=2000, tip=300, label="Visa")
    await add_payment(db, full.order_id, tender=Tender.CASH, amount=1753, tendered=2000)

    check = await _check(db, full.order_id)
    # By hand: burger 2 x 14.00 = 28.00 less 10% = 25.20; wine 9.00; fries 4.50 comped;
    # 2.00 off the check spread 1.47 / 0.53; service 10% of 32.20 = 3.22; sales tax
    # 8.875% of 23.73 = 2.11; VAT 20% inside 8.47 = 1.41 (not added).
    assert (check.subtotal_cents, check.discount_cents) == (4150, 930)
    assert (check.service_charge_cents, check.tax_cents, check.inclusive_tax_cents) == (
        322,
        211,
        141,
    )
    assert check.total_cents == 3753

    receipt = await _receipt(db, manager, full.order_id, restaurant_name="Chez Test")
    assert receipt.restaurant_name == "Chez Test"
    assert (receipt.order_id, receipt.table_number, receipt.server_name) == (
        full.order_id,
        12,
        "Server User",
    )
    assert receipt.opened_at.isoformat() == "2026-11-27T00:30:00+01:00"
    assert receipt.closed_at is not None
    assert receipt.closed_at.isoformat() == "2026-11-27T01:45:00+01:00"
    burger, wine, fries = receipt.lines
    assert (burger.name, burger.quantity, burger.unit_price_cents, burger.gross_cents) == (
        "Burger",
        2,
        1400,
        2800,
    )
    assert [(o.group, o.name, o.price_delta_cents) for o in burger.options] == [
        ("Cheese", "Cheddar", 100),
        ("Extras", "Bacon", 50),
    ]
    assert [(d.name, d.is_comp, d.amount_cents) for d in burger.discounts] == [
        ("Happy hour", False, 280)
    ]
    assert wine.discounts == ()
    assert [(d.name, d.is_comp, d.amount_cents) for d in fries.discounts] == [
        ("Cold fries", True, 450)
    ]
    assert [(d.name, d.amount_cents) for d in receipt.check_discounts] == [("Loyalty", 200)]
    assert [(c.name, c.amount_cents) for c in receipt.service_charges] == [("Service", 322)]
    # Every amount is the check's.
    assert (
        receipt.subtotal_cents
        == check.subtotal_cents
        == sum(ln.gross_cents for ln in receipt.lines)
    )
    line_off = sum(d.amount_cents for ln in receipt.lines for d in ln.discounts)
    check_off = sum(d.amount_cents for d in receipt.check_discounts)
    assert receipt.discount_cents == check.discount_cents == line_off + check_off
    assert receipt.service_charge_cents == check.service_charge_cents
    assert [(t.name, t.rate_ppm, t.inclusive, t.amount_cents) for t in receipt.taxes] == [
        (t.key.name, t.key.rate_ppm, t.key.inclusive, t.amount_cents) for t in check.taxes
    ]
    assert receipt.total_cents == check.total_cents
    # Payments: the voided one counts for nothing.
    assert [(p.label, p.amount_cents, p.tip_cents, p.change_cents) for p in receipt.payments] == [
        ("Visa", 2000, 300, 0),
        ("Cash", 1753, 0, 247),
    ]
    assert (receipt.paid_cents, receipt.tip_cents, receipt.change_cents) == (3753, 300, 247)
    assert receipt.balance_due_cents == 0

    text = render_text(receipt)
    lines = text.splitlines()
    assert all(len(line) <= 48 and columns(line) <= 48 for line in lines)
    for expected in [
        "Chez Test".center(48).rstrip(),
        f"Check #{full.order_id}".ljust(40) + "Table 12",
        "Server: Server User",
        "Opened 2026-11-27 00:30",
        "Closed 2026-11-27 01:45",
        row("2 x Burger", 2800),
        row("@ 14.00", indent="  "),
        row("Cheddar (+1.00)", indent="  "),
        row("Bacon (+0.50)", indent="  "),
        row("no onions", indent="  "),
        row("Discount: Happy hour", -280, "  "),
        row("Wine", 900),
        row("Fries", 450),
        row("Comp: Cold fries", -450, "  "),
        row("Subtotal", 4150),
        row("Discount: Loyalty", -200),
        row("Service", 322),
        row("Sales tax 8.875%", 211),
        row("VAT 20% incl.", 141),
        row("TOTAL USD", 3753),
        row("Visa", 2000),
        row("Tip", 300, "  "),
        row("Cash", 1753),
        row("Tendered", 2000, "  "),
        row("Change", 247, "  "),
        row("Paid", 3753),
        row("Tips", 300),
        row("Change", 247),
        row("Balance due", 0),
    ]:
        assert expected in lines, (expected, text)
    # The whole layout (the README shows it).
    assert text == EXAMPLE.replace("Check #1".ljust(40), f"Check #{full.order_id}".ljust(40))
    # Kitchen names are for the kitchen; denied discounts and voided payments are not printed.
    assert "KITCHEN" not in text and "Denied" not in text and "5.00" not in text
    # The lines' printed amounts add up to the printed total, exactly.
    assert 2800 + 900 + 450 - 280 - 450 - 200 + 322 + 211 == 3753


async def test_open_check_shows_its_balance_due(db, add_table, server):
    full = await add_full_check(db, add_table, server.user.id, status=OrderStatus.OPEN)
    await add_payment(db, full.order_id, tender=Tender.GIFT_CARD, amount=1000)
    receipt = await _receipt(db, server, full.order_id)
    assert (receipt.status, receipt.closed_at, receipt.paid_cents) == ("open", None, 1000)
    assert receipt.balance_due_cents == 3753 - 1000
    lines = render_text(receipt).splitlines()
    assert row("Gift card", 1000) in lines
    assert row("Balance due", 2753) in lines
    assert "Printed 2026-11-27 02:00" in lines


async def test_readers_and_missing_checks(db, add_table, server, kitchen):
    full = await add_full_check(db, add_table, server.user.id)
    with pytest.raises(PermissionDenied):
        await _receipt(db, kitchen, full.order_id)
    with pytest.raises(OrderNotFound):
        await _receipt(db, server, full.order_id + 1000)
    receipt = await _receipt(db, server, full.order_id)
    with pytest.raises(InvalidInput):
        render_text(receipt, width=20)
    narrow = render_text(receipt, width=32).splitlines()
    assert all(len(line) <= 32 for line in narrow)
    assert row("TOTAL USD", 3753, width=32) in narrow


WORD = "Supercalifragilisticexpialidocious"
HOSTILE = "\x1b@\x1bd\x05" + WORD * 2 + "\n\tDouble\u202eburger\u200b 特大汉堡特大汉堡 e\u0301"


async def test_hostile_long_names_wrap(db, add_table, server):
    full = await add_full_check(db, add_table, server.user.id)
    async with db.session() as session:
        order = await session.get(Order, full.order_id)
        burger = (await order_lines(session, order.id))[0]
        burger.name = HOSTILE
        burger.options = [
            {**burger.options[0], "name": "x" * 300 + " " + "特" * 60},
            burger.options[1],
        ]
        burger.modifiers = ["\r\n" * 5 + "y " * 100]
        session.add(burger)
    await add_payment(db, full.order_id, tender=Tender.CARD, amount=3753, label="\x1bp\x07Visa" * 5)
    receipt = await _receipt(db, server, full.order_id, restaurant_name="R" * 100 + " \x1b! bistro")
    for width in (48, 32):
        text = render_text(receipt, width)
        for line in text.splitlines():
            assert len(line) <= width and columns(line) <= width, repr(line)
            assert not any(unicodedata.category(c).startswith("C") for c in line), repr(line)
        # Nothing of a name is lost: its printable characters, in order.
        flat = "".join(text.split())
        assert f"@d{WORD}{WORD}Doubleburger特大汉堡特大汉堡é" in flat  # control characters went
        assert "x" * 300 + "特" * 60 in flat
        assert "pVisapVisa" in flat  # ESC and BEL went, the letters stayed
        # The amounts still line up at the right edge.
        assert any(line.endswith("28.00") and line.startswith("2 x ") for line in text.splitlines())
        assert row("TOTAL USD", 3753, width=width) in text.splitlines()


async def _split(db, order_id, request, server):
    async with db.session() as session:
        order = await lock_order(session, order_id)
        assert order is not None and order.table_id is not None
        lines = await order_lines(session, order_id)
        shares = await split_order(
            session,
            order=order,
            lines=lines,
            request=request,
            table_id=order.table_id,
            created_by_id=server.user.id,
        )
        return [share.id for share in shares]


@pytest.mark.parametrize(
    "request_",
    [
        SplitRequest(mode=SplitMode.ITEMS, groups=((0,), (1, 2))),
        SplitRequest(mode=SplitMode.EVEN, ways=3),
    ],
    ids=["items", "even"],
)
async def test_split_shares_receipts_add_up_to_the_check(db, add_table, server, request_):
    full = await add_full_check(db, add_table, server.user.id, status=OrderStatus.OPEN)
    shares = await _split(db, full.order_id, request_, server)
    receipts = [await _receipt(db, server, share) for share in shares]
    totals = [receipt.total_cents for receipt in receipts]
    assert sum(totals) == 3753
    assert sum(r.subtotal_cents for r in receipts) == 4150
    assert sum(r.discount_cents for r in receipts) == 930
    assert sum(r.service_charge_cents for r in receipts) == 322
    assert sum(r.tax_cents for r in receipts) == 211
    assert sum(r.inclusive_tax_cents for r in receipts) == 141
    for share, receipt in zip(shares, receipts, strict=True):
        check = await _check(db, share)
        assert receipt.total_cents == check.total_cents
        assert receipt.split_from_id == full.order_id
        assert receipt.subtotal_cents == sum(line.gross_cents for line in receipt.lines)
        # The share's part of the original discounts and charges: one line each.
        off = sum(d.amount_cents for d in receipt.check_discounts)
        off += sum(d.amount_cents for line in receipt.lines for d in line.discounts)
        assert off == receipt.discount_cents
        assert sum(c.amount_cents for c in receipt.service_charges) == receipt.service_charge_cents
        added = sum(t.amount_cents for t in receipt.taxes if not t.inclusive)
        assert receipt.total_cents == (
            receipt.subtotal_cents - off + receipt.service_charge_cents + added
        )
        lines = render_text(receipt).splitlines()
        assert all(len(line) <= 48 for line in lines)
        assert f"Split from check #{full.order_id}" in lines
        assert row(f"Discount: Share of check #{full.order_id}", -off) in lines
        charges = f"Service charges, share of check #{full.order_id}"
        assert row(charges, receipt.service_charge_cents) in lines
        assert row("TOTAL USD", check.total_cents) in lines
    # Paid share by share: each receipt's balance is its own.
    first = shares[0]
    await add_payment(db, first, tender=Tender.CASH, amount=totals[0], tendered=totals[0] + 55)
    paid = await _receipt(db, server, first)
    assert (paid.paid_cents, paid.change_cents, paid.balance_due_cents) == (totals[0], 55, 0)
    other = await _receipt(db, server, shares[1])
    assert (other.paid_cents, other.balance_due_cents) == (0, totals[1])
    if request_.mode == SplitMode.EVEN:
        assert [line.name for line in receipts[0].lines] == ["Share 1 of 3"]
    else:
        assert [line.name for line in receipts[1].lines] == ["Wine", "Fries"]
