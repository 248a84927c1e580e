from .selectors import unread_count


def inbox(request):
    """The unread count in the header: one query, evaluated only when a template prints it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": lambda: unread_count(user)}
