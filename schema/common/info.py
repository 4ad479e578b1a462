"""The argument every resolver of both APIs receives."""

from __future__ import annotations

from typing import TypeAlias

from strawberry.types import Info as StrawberryInfo

from schema.common.context import RequestContext

# Its own module: defined beside RequestContext, mypy reads the alias as Info[Any, Any].
Info: TypeAlias = StrawberryInfo[RequestContext, None]
"""``info.context`` is the request's :class:`~schema.common.context.RequestContext`."""
