"""Every measurement, registered by importing its module."""

from . import (  # noqa: F401
    briefing,
    concurrency,
    documents,
    exports,
    history,
    imports,
    queries,
    reminders,
    scale,
    slips,
    timing,
)
