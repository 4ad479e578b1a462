"""Email: the transactional outbox, templates in the recipient's language and form of address,
and delivery backends."""
