from .services import active_announcements


def announcements(request):
    return {"announcements": active_announcements()}
