"""The benchmark dataset: the real agreement (``setup_site``) plus generated rows on top.

Deterministic from ``seed`` and the anchor date (default: today), so two runs on the same day
measure the same data. Sizes: ``items`` counts every item, the agreement's own included;
organisations are always 200; reminders are two per item (20,000 at the default 10,000 items).
"""
