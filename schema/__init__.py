"""The GraphQL layer: Strawberry types, queries, mutations, permissions and DataLoaders.

``schema.portal`` is the customer API (``/graphql``), ``schema.admin`` the staff API
(``/admin/graphql``); ``schema.common`` holds what both share. No business logic lives here.
"""
