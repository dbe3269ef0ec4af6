from .items import item_detail, item_history_view, item_list, item_update
from .milestones import milestone_create, milestone_delete, milestone_update

__all__ = [
    "item_detail",
    "item_history_view",
    "item_list",
    "item_update",
    "milestone_create",
    "milestone_delete",
    "milestone_update",
]
