def navigation(request):
    """Values every page's header needs."""
    return {}
