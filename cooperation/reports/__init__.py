"""Reports for leaders and admins: the dashboard, briefing packs, the period report, exports.

``states`` reads the items as they are now or as they were at a moment (from their history),
in a number of queries that does not grow with the number of items; ``dashboard``,
``briefing`` and ``period`` turn those states into figures; ``exports`` writes CSV and XLSX.
"""
