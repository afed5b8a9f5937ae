"""The Python build's reads: every nested object of a plan attached to its parent rows,
one query per relation and level for all parents (the batching of the DataLoaders)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncConnection

from restaurant_api.api.plan_specs import Inline, Related

if TYPE_CHECKING:
    from restaurant_api.api.plans import PlanNode

Row = list[Any]


async def load_objects(node: PlanNode, rows: list[Row], conn: AsyncConnection) -> None:
    """Attach every nested object to its parent rows, one query per relation."""
    fetched: dict[tuple[Any, int], Sequence[Any]] = {}
    for child in node.objects:
        spec = child.spec
        if isinstance(spec, Inline):
            indexes, derive = child.indexes, spec.derive
            values = [derive(*[row[i] for i in indexes]) for row in rows]
            for row, value in zip(rows, values, strict=True):
                row.append(value)
            if spec.many:
                nested = [item for value in values for item in value]
            else:
                nested = [value for value in values if value is not None]
        else:
            (key_index,) = child.indexes
            shared = (id(spec.statement), key_index)
            records = fetched.get(shared)
            if records is None:
                keys = list(dict.fromkeys(row[key_index] for row in rows))
                if None in keys:
                    keys.remove(None)
                records = []
                if keys:
                    records = (await conn.execute(spec.statement, {"keys": keys})).all()
                fetched[shared] = records
            nested = _attach(spec, key_index, rows, records)
        if child.node.objects and nested:
            await load_objects(child.node, nested, conn)


def _attach(spec: Related, key_index: int, rows: list[Row], records: Sequence[Any]) -> list[Any]:
    """Give each parent row its objects from `records`; returns every object made."""
    found = spec.key_index
    grouped: dict[Any, Any] = {}
    if spec.reduce is not None:
        for record in records:
            grouped.setdefault(record[found], []).append(record)
        reduce = spec.reduce
        nested = []
        for row in rows:
            value = reduce(grouped.get(row[key_index], []))
            row.append(value)
            nested.append(value)
        return nested
    convert = spec.convert
    nested = [convert(record) for record in records]
    if spec.many:
        for record, item in zip(records, nested, strict=True):
            grouped.setdefault(record[found], []).append(item)
        for row in rows:
            row.append(grouped.get(row[key_index], []))
    else:
        for record, item in zip(records, nested, strict=True):
            grouped[record[found]] = item
        missing = spec.missing
        for row in rows:
            value = grouped.get(row[key_index])
            row.append(missing if value is None else value)
    return nested
