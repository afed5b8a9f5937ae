"""The payments domain's public interface: the ledger, tips and refunds, receipts, business
days and their reports. Adapters and other domains import from here.

- `ledger`: payments against checks (a split share is a check), balance due, voids, the
  old close call as one payment of the balance; checks that close themselves;
- `days`: business dates (time zone, cut-off hour), the closed-day check and its lock;
- `tips`, `refunds`: card tip adjustments until the day closes, tips per staff member,
  refunds of a closed check's payments (counted on the day they happen);
- `reports`, `day_close`, `reports_csv`: X and Z reports, closing a business day, CSV."""

from __future__ import annotations

from restaurant_api.payments.day_close import (
    BusinessDayAlreadyClosed,
    BusinessDayNotClosed,
    OpenChecksRemain,
    close_business_day,
    x_report,
    z_report,
)
from restaurant_api.payments.days import (
    BusinessCalendar,
    BusinessDayClosed,
    business_date,
    calendar_for,
    ensure_day_open,
    is_day_closed,
    parse_business_date,
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
    close_check,
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
from restaurant_api.payments.refunds import (
    MAX_REFUNDS_PER_PAYMENT,
    RefundKeyMismatch,
    RefundNotAllowed,
    RefundResult,
    RefundTooLarge,
    refund_payment,
    refundable_cents,
    refunds_of,
)
from restaurant_api.payments.report_model import (
    DayReport,
)
from restaurant_api.payments.reports import (
    day_report,
)
from restaurant_api.payments.reports_csv import (
    report_csv,
)
from restaurant_api.payments.tips import (
    MAX_STAFF_LINES,
    MAX_TIP_ADJUSTMENTS,
    StaffTips,
    TipAdjusted,
    TipNotAdjustable,
    adjust_tip,
    tip_adjustments_of,
    tips_by_staff,
)

__all__ = [
    "MAX_REFUNDS_PER_PAYMENT",
    "MAX_STAFF_LINES",
    "MAX_TIP_ADJUSTMENTS",
    "BusinessCalendar",
    "BusinessDay",
    "BusinessDayAlreadyClosed",
    "BusinessDayClosed",
    "BusinessDayNotClosed",
    "BusinessDayStatus",
    "DayReport",
    "OpenChecksRemain",
    "Overpayment",
    "Payment",
    "PaymentDraft",
    "PaymentIdempotencyMismatch",
    "PaymentNotCaptured",
    "PaymentNotFound",
    "PaymentResult",
    "PaymentStatus",
    "Refund",
    "RefundKeyMismatch",
    "RefundNotAllowed",
    "RefundResult",
    "RefundTooLarge",
    "StaffTips",
    "Tender",
    "TipAdjusted",
    "TipAdjustment",
    "TipNotAdjustable",
    "adjust_tip",
    "balance_due",
    "business_date",
    "calendar_for",
    "close_business_day",
    "close_check",
    "day_report",
    "ensure_day_open",
    "is_day_closed",
    "paid_total",
    "parse_business_date",
    "payment_draft",
    "payments_by_id",
    "payments_for_orders",
    "record_payment",
    "refund_payment",
    "refundable_cents",
    "refunds_of",
    "report_csv",
    "take_payment",
    "tender_of_method",
    "tip_adjustments_of",
    "tip_total",
    "tips_by_staff",
    "void_payment",
    "x_report",
    "z_report",
]
