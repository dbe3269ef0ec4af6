"""Every measurement, registered by importing its module."""

from . import concurrency, exports, history, imports, queries, reminders, scale, timing  # noqa: F401
