"""The terms a tax is computed with (a rate as a line carries it, a line of the tax summary)
and their order on a check; re-exported by `pricing.engine`, which computes with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

PPM = 1_000_000


@dataclass(frozen=True, slots=True)
class TaxSnapshot:
    """A tax rate as a line carries it (copied at order time)."""

    id: int | None
    name: str
    rate_ppm: int
    inclusive: bool = False
    # The dining options it applies to; empty means all.
    dining_options: tuple[str, ...] = ()
    # Its line of the tax summary, made once (the engine looks it up for every line).
    key: TaxKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", TaxKey(self.id, self.name, self.rate_ppm, self.inclusive))

    def applies_to(self, dining_option: str) -> bool:
        return not self.dining_options or dining_option in self.dining_options

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "rate_ppm": self.rate_ppm,
            "inclusive": self.inclusive,
            "dining_options": list(self.dining_options),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TaxSnapshot:
        return cls(
            id=data.get("id"),
            name=str(data["name"]),
            rate_ppm=int(data["rate_ppm"]),
            inclusive=bool(data.get("inclusive", False)),
            dining_options=tuple(data.get("dining_options") or ()),
        )


@dataclass(frozen=True, slots=True, order=True)
class TaxKey:
    """One line of the tax summary: the same rate edited between two lines is two keys."""

    id: int | None
    name: str
    rate_ppm: int
    inclusive: bool


@dataclass(frozen=True, slots=True)
class TaxAmount:
    key: TaxKey
    amount_cents: int


def tax_order(key: TaxKey) -> tuple[bool, int, str, int, bool]:
    """How tax lines are listed: by rate id (a rate without one last), then by terms."""
    return (key.id is None, key.id or 0, key.name, key.rate_ppm, key.inclusive)
