"""Every measurement, registered by importing its module."""

from . import concurrency, exports, history, queries, reminders, scale, slips, timing  # noqa: F401
