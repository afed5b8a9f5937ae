"""A receipt as plain text for a receipt printer (48 columns on 80 mm paper, 32 on 58 mm).

Amounts are right-aligned on the line they belong to, names wrap on words (a word longer
than the line is cut), and no line is ever wider than the printer. Every amount printed is
one of the receipt's, exact. Text that comes from people (item, option and discount names)
is cleaned first: control characters (a printer's ESC commands, newlines, bidi overrides)
are dropped, and wide characters count two columns, as printers print them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from restaurant_api.errors import InvalidInput
from restaurant_api.money import format_cents, format_rate
from restaurant_api.payments.receipts import Receipt, ReceiptLine, ReceiptPayment

DEFAULT_WIDTH = 48
MIN_WIDTH = 32  # the longest amount (-10000000000.00) and a word still fit beside it
MAX_WIDTH = 80
INDENT = "  "
TIME_FORMAT = "%Y-%m-%d %H:%M"
# Checks that are not paid on their own receipt say why (nothing is due on them).
NOTES = {
    "cancelled": "CANCELLED",
    "split": "SPLIT: paid on its shares' checks",
}


def clean(text: str) -> str:
    """One line of printable text: NFC, control and format characters dropped, any run of
    whitespace a single space."""
    text = unicodedata.normalize("NFC", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Zl", "Zp") or char.isspace():
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(char)
    return " ".join("".join(kept).split())


def columns(text: str) -> int:
    """Printed width: wide (East Asian) characters take two columns; everything else one
    (combining marks too: an overestimate that never overflows)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def _cut(word: str, width: int) -> Iterator[str]:
    """A word longer than the line, in pieces of at most `width` columns."""
    piece = ""
    for char in word:
        if piece and columns(piece + char) > width:
            yield piece
            piece = ""
        piece += char
    if piece:
        yield piece


def wrap(text: str, width: int) -> list[str]:
    """`text` (cleaned) in lines of at most `width` columns, broken between words."""
    lines: list[str] = []
    current = ""
    for word in clean(text).split(" "):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if columns(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        pieces = list(_cut(word, width))
        lines.extend(pieces[:-1])
        current = pieces[-1]
    if current:
        lines.append(current)
    return lines or [""]


def amount_line(label: str, cents: int | None, width: int, indent: str = "") -> list[str]:
    """`label` on the left (wrapped), the amount right-aligned on its first line."""
    amount = "" if cents is None else format_cents(cents)
    room = width - len(indent) - (len(amount) + 1 if amount else 0)
    parts = wrap(label, room)
    first = indent + parts[0]
    lines = [first + " " * (width - columns(first) - len(amount)) + amount]
    lines.extend(indent + part for part in parts[1:])
    return lines


def centered(text: str, width: int) -> list[str]:
    return [part.center(width - (columns(part) - len(part))).rstrip() for part in wrap(text, width)]


def _header(receipt: Receipt, width: int) -> list[str]:
    lines: list[str] = []
    if receipt.restaurant_name:
        lines.extend(centered(receipt.restaurant_name, width))
        lines.append("")
    where = f"Table {receipt.table_number}" if receipt.table_number is not None else ""
    check = f"Check #{receipt.order_id}"
    if len(check) + 1 + len(where) <= width:
        lines.append(check + " " * (width - len(check) - len(where)) + where)
    else:
        lines.extend([check, where])
    if receipt.split_from_id is not None:
        lines.extend(wrap(f"Split from check #{receipt.split_from_id}", width))
    if receipt.server_name:
        lines.extend(wrap(f"Server: {receipt.server_name}", width))
    lines.extend(wrap(f"Guests: {receipt.customer_count}", width))
    lines.extend(wrap(f"Opened {receipt.opened_at.strftime(TIME_FORMAT)}", width))
    if receipt.status in NOTES:
        lines.extend(wrap(NOTES[receipt.status], width))
    if receipt.closed_at is not None:
        lines.extend(wrap(f"Closed {receipt.closed_at.strftime(TIME_FORMAT)}", width))
    else:
        lines.extend(wrap(f"Printed {receipt.printed_at.strftime(TIME_FORMAT)}", width))
    return lines


def _line(line: ReceiptLine, width: int) -> list[str]:
    label = line.name if line.quantity == 1 else f"{line.quantity} x {line.name}"
    lines = amount_line(label, line.gross_cents, width)
    if line.quantity != 1:
        lines.extend(amount_line(f"@ {format_cents(line.unit_price_cents)}", None, width, INDENT))
    for option in line.options:
        delta = option.price_delta_cents
        text = option.name
        if delta:
            text += f" ({'+' if delta > 0 else ''}{format_cents(delta)})"
        lines.extend(amount_line(text, None, width, INDENT))
    for modifier in line.modifiers:
        lines.extend(amount_line(modifier, None, width, INDENT))
    for discount in line.discounts:
        kind = "Comp" if discount.is_comp else "Discount"
        lines.extend(amount_line(f"{kind}: {discount.name}", -discount.amount_cents, width, INDENT))
    return lines


def _payment(payment: ReceiptPayment, width: int) -> list[str]:
    lines = amount_line(payment.label, payment.amount_cents, width)
    if payment.change_cents:
        lines.extend(amount_line("Tendered", payment.tendered_cents, width, INDENT))
        lines.extend(amount_line("Change", payment.change_cents, width, INDENT))
    if payment.tip_cents:
        lines.extend(amount_line("Tip", payment.tip_cents, width, INDENT))
    return lines


def _totals(receipt: Receipt, width: int) -> list[str]:
    lines = amount_line("Subtotal", receipt.subtotal_cents, width)
    for discount in receipt.check_discounts:
        kind = "Comp" if discount.is_comp else "Discount"
        lines.extend(amount_line(f"{kind}: {discount.name}", -discount.amount_cents, width))
    for charge in receipt.service_charges:
        lines.extend(amount_line(charge.name, charge.amount_cents, width))
    for tax in receipt.taxes:
        label = f"{tax.name} {format_rate(tax.rate_ppm)}%"
        if tax.inclusive:
            label += " incl."
        lines.extend(amount_line(label, tax.amount_cents, width))
    lines.extend(amount_line(f"TOTAL {receipt.currency}", receipt.total_cents, width))
    return lines


def render_text(receipt: Receipt, width: int = DEFAULT_WIDTH) -> str:
    """The receipt laid out for a `width`-column printer (MIN_WIDTH to MAX_WIDTH)."""
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise InvalidInput(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}", field="width")
    rule = "-" * width
    lines = [*_header(receipt, width), rule]
    for line in receipt.lines:
        lines.extend(_line(line, width))
    lines.append(rule)
    lines.extend(_totals(receipt, width))
    if receipt.payments:
        lines.append(rule)
        for payment in receipt.payments:
            lines.extend(_payment(payment, width))
        lines.append(rule)
        lines.extend(amount_line("Paid", receipt.paid_cents, width))
        if receipt.tip_cents:
            lines.extend(amount_line("Tips", receipt.tip_cents, width))
        if receipt.change_cents:
            lines.extend(amount_line("Change", receipt.change_cents, width))
    lines.extend(amount_line("Balance due", receipt.balance_due_cents, width))
    return "\n".join(line.rstrip() for line in lines) + "\n"
