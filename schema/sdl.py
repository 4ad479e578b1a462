"""The committed SDL files: the contract frontend teams generate clients from."""

from __future__ import annotations

from strawberry.printer import print_schema

from schema.admin.schema import admin_schema
from schema.portal.schema import portal_schema


def render_sdl_files() -> dict[str, str]:
    """File name -> SDL text, exactly as committed under ``schema/``."""
    return {
        "portal.graphql": print_schema(portal_schema) + "\n",
        "admin.graphql": print_schema(admin_schema) + "\n",
    }
