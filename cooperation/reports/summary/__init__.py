"""The dashboard's figures from a summary, not from every item: flat with the number of items.

``DashboardCell`` counts the items alike in everything the dashboard shows (and open
milestones by due date): a few hundred rows however many items. ``facts``: what each item
adds and the cell it falls in; ``upkeep``: keeping the cells up to date with every write and
every day; ``read``: the figures read from the cells.
"""

from .facts import WINDOW_DAYS, Key, fact_key, item_facts
from .read import Counts, Group, summary_changes, summary_counts
from .upkeep import (
    REBUILD_KEY,
    SummaryNotReady,
    summary_bring_up_to_date,
    summary_current,
    summary_rebuild,
    summary_refresh,
)

__all__ = [
    "REBUILD_KEY",
    "WINDOW_DAYS",
    "Counts",
    "Group",
    "Key",
    "SummaryNotReady",
    "fact_key",
    "item_facts",
    "summary_bring_up_to_date",
    "summary_changes",
    "summary_counts",
    "summary_current",
    "summary_rebuild",
    "summary_refresh",
]
