"""Domain services: each takes an ``AsyncSession``, validates, writes and ``flush()``es; the caller
owns the transaction."""
