"""schema.graphql is generated from the code and documents everything."""

from __future__ import annotations

import json

from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

from restaurant_api.__main__ import (
    DEFAULT_SCHEMA_PATH,
    POSSIBLE_TYPES_NAME,
    render_possible_types,
    render_schema,
)
from restaurant_api.config import Settings
from restaurant_api.schema import build_schema

BUILT_IN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}


def test_committed_schema_is_current():
    committed = DEFAULT_SCHEMA_PATH.read_text()
    assert committed == render_schema(), "schema.graphql is stale: run `make schema`"


def test_committed_possible_types_are_current():
    committed = DEFAULT_SCHEMA_PATH.with_name(POSSIBLE_TYPES_NAME).read_text()
    assert committed == render_possible_types(), "possibleTypes.json is stale: run `make schema`"
    possible = json.loads(committed)
    assert "ValidationError" in possible["Error"]
    assert {"Order", "User", "MenuItem", "Table", "KitchenTicket"} <= set(possible["Node"])
    assert "ValidationError" in possible["PlaceOrderResult"]


def test_schema_follows_the_client_conventions():
    """No Live* types, no Int ids on entity types, every entity a Node."""
    schema = build_schema(Settings(_env_file=None))._schema
    assert not [name for name in schema.type_map if name.startswith("Live")]
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    for entity in schema.get_possible_types(node):
        assert str(entity.fields["id"].type) == "ID!", entity.name
        assert str(entity.fields["databaseId"].type) == "Int!", entity.name
    for name, graphql_type in schema.type_map.items():
        if not isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            continue
        for field_name, field in graphql_type.fields.items():
            names_an_entity = field_name == "id" or field_name.endswith(("Id", "Ids", "Into"))
            if names_an_entity and field_name != "databaseId":
                assert "Int" not in str(field.type), f"{name}.{field_name}: {field.type}"
            for arg_name, arg in field.args.items():
                if arg_name == "id" or arg_name.endswith(("Id", "Ids")):
                    assert "Int" not in str(arg.type), f"{name}.{field_name}({arg_name})"


def test_every_type_field_and_argument_is_described():
    schema = build_schema(Settings(_env_file=None))._schema
    missing: list[str] = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or name in BUILT_IN_SCALARS:
            continue
        if not graphql_type.description:
            missing.append(name)
        if isinstance(graphql_type, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
                for arg_name, arg in field.args.items():
                    if not arg.description:
                        missing.append(f"{name}.{field_name}({arg_name})")
        elif isinstance(graphql_type, GraphQLInputObjectType):
            for field_name, field in graphql_type.fields.items():
                if not field.description:
                    missing.append(f"{name}.{field_name}")
        elif isinstance(graphql_type, GraphQLEnumType):
            for value_name, value in graphql_type.values.items():
                if not value.description:
                    missing.append(f"{name}.{value_name}")
    assert missing == []
