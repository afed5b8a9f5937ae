"""The payments domain's public interface (other domains and the adapters import this).

- `ledger`: recording and voiding payments against checks, the balance due, the legacy
  close call (one payment of the whole balance);
- `days`: business dates (time zone, cut-off hour) and the closed-day rule;
- `errors`, `models`: the domain's errors and ledger rows.
"""

from __future__ import annotations

from restaurant_api.payments.days import (
    BusinessCalendar,
    BusinessDayClosed,
    business_date,
    ensure_day_open,
    is_day_closed,
)
from restaurant_api.payments.errors import (
    Overpayment,
    PaymentIdempotencyMismatch,
    PaymentNotCaptured,
    PaymentNotFound,
)
from restaurant_api.payments.ledger import (
    PaymentDraft,
    PaymentResult,
    balance_due,
    calendar_of,
    close_check,
    get_payment,
    paid_total,
    payment_draft,
    payments_by_id,
    payments_for_orders,
    record_payment,
    take_payment,
    tender_of_method,
    tip_total,
    void_payment,
)
from restaurant_api.payments.models import (
    BusinessDay,
    BusinessDayStatus,
    Payment,
    PaymentStatus,
    Refund,
    Tender,
    TipAdjustment,
)

__all__ = [
    "BusinessCalendar",
    "BusinessDay",
    "BusinessDayClosed",
    "BusinessDayStatus",
    "Overpayment",
    "Payment",
    "PaymentDraft",
    "PaymentIdempotencyMismatch",
    "PaymentNotCaptured",
    "PaymentNotFound",
    "PaymentResult",
    "PaymentStatus",
    "Refund",
    "Tender",
    "TipAdjustment",
    "balance_due",
    "business_date",
    "calendar_of",
    "close_check",
    "ensure_day_open",
    "get_payment",
    "is_day_closed",
    "paid_total",
    "payment_draft",
    "payments_by_id",
    "payments_for_orders",
    "record_payment",
    "take_payment",
    "tender_of_method",
    "tip_total",
    "void_payment",
]
