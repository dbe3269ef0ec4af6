"""Every measurement, registered by importing its module."""

from . import (  # noqa: F401
    api,
    briefing,
    concurrency,
    documents,
    exports,
    history,
    imports,
    peers,
    queries,
    reminders,
    scale,
    slips,
    timing,
)
