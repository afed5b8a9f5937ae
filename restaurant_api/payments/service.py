"""The payments domain's public interface: other domains and the adapters import from here.

- `tips`: card tip adjustments until the business day closes, tips per staff member;
- `refunds`: refunds of a closed check's payments, counted on the day they happen;
- `days`: business dates (time zone, cut-off hour) and the closed-day check.
"""

from __future__ import annotations

from restaurant_api.payments.days import (
    BusinessCalendar,
    BusinessDayClosed,
    ensure_day_open,
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
from restaurant_api.payments.tips import (
    MAX_STAFF_LINES,
    MAX_TIP_ADJUSTMENTS,
    PaymentNotFound,
    StaffTips,
    TipAdjusted,
    TipNotAdjustable,
    adjust_tip,
    parse_business_date,
    tip_adjustments_of,
    tips_by_staff,
)

__all__ = [
    "MAX_REFUNDS_PER_PAYMENT",
    "MAX_STAFF_LINES",
    "MAX_TIP_ADJUSTMENTS",
    "BusinessCalendar",
    "BusinessDay",
    "BusinessDayClosed",
    "BusinessDayStatus",
    "Payment",
    "PaymentNotFound",
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
    "ensure_day_open",
    "parse_business_date",
    "refund_payment",
    "refundable_cents",
    "refunds_of",
    "tip_adjustments_of",
    "tips_by_staff",
]
