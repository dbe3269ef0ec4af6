from django.utils.functional import SimpleLazyObject


def navigation(request):
    """Values every page's header needs."""
    user = getattr(request, "user", None)

    def unread() -> int:
        from cooperation.meetings.selectors import unread_count

        return unread_count(user) if user is not None else 0

    # Lazy: counted only on pages that show it.
    return {"unread_notifications": SimpleLazyObject(unread)}
