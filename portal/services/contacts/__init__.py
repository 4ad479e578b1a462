"""Contacts: the CRM side of the portal."""

from __future__ import annotations

from portal.services.contacts.fields import ContactErrorCode, ContactSource
from portal.services.contacts.reads import (
    get_contact,
    get_contact_by_customer_number,
    get_contacts_by_ids,
    require_contact,
)
from portal.services.contacts.search import (
    ContactFilter,
    ContactOrder,
    ContactOrderField,
    OptInState,
    list_contacts,
)
from portal.services.contacts.writes import (
    ContactDraft,
    create_contact,
    delete_contact,
    set_active,
    update_contact,
)

__all__ = [
    "ContactDraft",
    "ContactErrorCode",
    "ContactFilter",
    "ContactOrder",
    "ContactOrderField",
    "ContactSource",
    "OptInState",
    "create_contact",
    "delete_contact",
    "get_contact",
    "get_contact_by_customer_number",
    "get_contacts_by_ids",
    "list_contacts",
    "require_contact",
    "set_active",
    "update_contact",
]
