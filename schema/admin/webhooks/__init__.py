"""Webhook endpoints and their delivery log in the staff API (administrators only)."""
