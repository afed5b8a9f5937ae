"""Input bounds shared by REST and GraphQL: one number per limit, checked before any work.

Lists are bounded here and in the adapters (pydantic `max_length` on REST, the
GraphQL InputBounds extension before argument coercion); the services check them again.
"""

from __future__ import annotations

# Orders
MAX_LINES = 200  # lines in one order, and in one request that places or changes lines
MAX_QUANTITY = 999
MAX_MODIFIERS = 20
# Modifier options chosen on one line (ids), and what a group may ask for.
MAX_OPTIONS_PER_LINE = 20
MAX_OPTIONS_PER_GROUP = 50
MAX_GROUPS_PER_ITEM = 20
MAX_CUSTOMERS = 500
# Seat numbers: order lines, splits and merged tables all stay within this bound.
MAX_SEAT = 500
# Courses of an order (1 starters, 2 mains, 3 desserts, ...), and prep-time targets.
MAX_COURSE = 9
MAX_PREP_MINUTES = 24 * 60
# Orders in one REST page (`GET /api/orders?limit=`); the OpenAPI document states it.
MAX_ORDERS_PAGE = 1000

# Splits: a share covers at least one line, so no split has more parts or indexes than
# an order has lines.
MAX_SPLIT_PARTS = MAX_LINES
MAX_SPLIT_INDEXES = MAX_LINES
# An even split: its shares cover no line, only an amount each.
MAX_SPLIT_WAYS = 100

# No GraphQL input list may be longer than the longest list any field accepts; the exact
# per-field caps above are checked after it (as typed ValidationErrors).
MAX_INPUT_LIST = MAX_LINES
# All input lists of one operation together: a full order with every modifier and option used.
MAX_INPUT_LIST_ITEMS = MAX_LINES * (MAX_MODIFIERS + MAX_OPTIONS_PER_LINE + 1)

# JSON bodies and GraphQL variables
MAX_JSON_DEPTH = 32
MAX_JSON_NUMBER_CHARS = 40
MAX_JSON_NUMBER_EXPONENT = 30

# Pricing configuration: rows of each kind (tax rates, preset discounts, service-charge
# rules), so that every list of them is one bounded page; rates of one item or category.
MAX_PRICING_ROWS = 200
MAX_TAX_RATES_PER_TARGET = 10
# Adjustments of one order, whatever their status (requested, denied and removed ones
# stay listed): a check is not a ledger. Automatic charges reuse their rule's row.
MAX_DISCOUNTS_PER_ORDER = 50
MAX_SERVICE_CHARGES_PER_ORDER = 20
# Payments of one check, voided ones included (a split share is its own check).
MAX_PAYMENTS_PER_ORDER = 50
