"""restaurant_api: GraphQL-first restaurant operations API."""

__version__ = "0.1.0"
