"""JSON responses encoded with orjson (about ten times faster than `json` + pydantic).

Byte-compatible with what FastAPI's JSONResponse wrote: compact separators, UTF-8 (no
`\\u` escapes), UTC datetimes as `...Z` like pydantic, floats as their shortest repr.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson
from starlette.responses import JSONResponse

OPTIONS = orjson.OPT_UTC_Z


def _default(value: Any) -> Any:
    # REST money (MoneyNumber) is a JSON number with at most two decimals: its float's
    # shortest repr is exactly those digits.
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(content: Any) -> bytes:
    return orjson.dumps(content, default=_default, option=OPTIONS)


class FastJSONResponse(JSONResponse):
    """A JSONResponse rendered with orjson; FastAPI sends it as is (no re-validation)."""

    def render(self, content: Any) -> bytes:
        return dumps(content)
