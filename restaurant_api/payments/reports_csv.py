"""A day report as CSV for the accountant: one row per figure, five columns.

Header `section,name,detail,count,amount`; amounts are exact decimals ("12.50"), counts
integers, empty when they do not apply. Sections in order: `report` (business_date,
kind X or Z), `totals`, `items` (name, category), `categories`, `discounts` (name, detail
= order id / comp / reason), `voids` (kind, order id / reason), `service_charges`, `taxes`
(name, rate in percent, inclusive or exclusive), `tenders` (tender; amount, then rows for
its tips and change), `tips` (staff name, staff id), `refunds` (refund id, order id /
tender / reason).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from restaurant_api.money import format_cents, format_rate
from restaurant_api.payments.report_model import DayReport

HEADER = ("section", "name", "detail", "count", "amount")
# Cells a spreadsheet would run as a formula are written as text (a leading quote).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = tuple[str, str, str, str, str]


def _text(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(
    section: str, name: object, detail: object = "", count: object = "", cents: int | None = None
) -> Row:
    amount = "" if cents is None else format_cents(cents)
    return (section, _text(name), _text(detail), "" if count == "" else str(count), amount)


def _totals(report: DayReport) -> Iterator[Row]:
    yield _row("report", "business_date", report.business_date.isoformat())
    yield _row("report", "kind", "Z" if report.closed else "X")
    yield _row("totals", "checks", count=report.checks)
    yield _row("totals", "covers", count=report.covers)
    yield _row("totals", "gross_sales", cents=report.gross_sales_cents)
    yield _row("totals", "discounts", cents=report.discount_cents)
    yield _row("totals", "service_charges", cents=report.service_charge_cents)
    yield _row("totals", "tax", cents=report.tax_cents)
    yield _row("totals", "inclusive_tax", cents=report.inclusive_tax_cents)
    yield _row("totals", "total", count=report.checks, cents=report.total_cents)
    yield ("totals", "average_check", "", "", str(report.average_check))
    yield _row("totals", "voids", count=len(report.voids), cents=report.void_cents)
    yield _row("totals", "paid", cents=report.paid_cents)
    yield _row("totals", "tips", cents=report.tip_cents)
    yield _row("totals", "refunds", count=len(report.refunds), cents=report.refund_cents)
    yield _row("totals", "net", cents=report.net_cents)


def _blocks(report: DayReport) -> Iterator[Row]:
    for item in report.items:
        yield _row("items", item.name, item.category, item.quantity, item.gross_cents)
    for category in report.categories:
        yield _row("categories", category.category, "", category.quantity, category.gross_cents)
    for d in report.discounts:
        detail = f"order {d.order_id}" if d.order_id is not None else "split"
        detail += " comp" if d.is_comp else ""
        detail += f": {d.reason}" if d.reason else ""
        yield _row("discounts", d.name, detail, 1, d.amount_cents)
    for v in report.voids:
        yield _row("voids", v.kind, f"order {v.order_id}: {v.reason or ''}", 1, v.amount_cents)
    for charge in report.service_charges:
        yield _row("service_charges", charge.name, "", charge.count, charge.amount_cents)
    for tax in report.taxes:
        kind = "inclusive" if tax.inclusive else "exclusive"
        yield _row("taxes", tax.name, f"{format_rate(tax.rate_ppm)}% {kind}", "", tax.amount_cents)
    for tender in report.tenders:
        yield _row("tenders", tender.tender, "amount", tender.count, tender.amount_cents)
        yield _row("tenders", tender.tender, "tips", "", tender.tip_cents)
        yield _row("tenders", tender.tender, "change", "", tender.change_cents)
    for tips in report.tips:
        yield _row("tips", tips.staff_name or "", tips.staff_id or "", tips.count, tips.tip_cents)
    for r in report.refunds:
        detail = f"order {r.order_id} {r.tender}: {r.reason}"
        yield _row("refunds", r.refund_id, detail, 1, r.amount_cents)


def report_csv(report: DayReport) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(_totals(report))
    writer.writerows(_blocks(report))
    return buffer.getvalue()
