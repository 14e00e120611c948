"""What campaigns keep, for the data map (X1): mailings and announcements are the shop's own
words; only the staff members who wrote or sent them are personal data (of staff).

Campaigns and announcements are kept as the record of what the shop sent, so they have no
age field; the link to a staff member is cleared when that member's account is deleted.
"""

from candor.privacy.datamap import NOT_PERSONAL, declare, keep, personal

from .models import Announcement, Campaign

STAFF_NOTE = (
    "The staff member who did it; the record stays, and the link is cleared (set to empty) "
    "within 30 days of a request to delete that member's account."
)


def staff_audit():
    return personal(
        "security.audit",
        purposes=["security"],
        basis="legitimate_interests",
        source="automatic",
        keep=keep(30, "pseudonymize", since="staff_departure"),
        note=STAFF_NOTE,
    )


declare(
    Campaign,
    fields={
        "subject": NOT_PERSONAL,
        "intro": NOT_PERSONAL,
        "topic": NOT_PERSONAL,
        "products": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "created_by": staff_audit(),
        "created_at": NOT_PERSONAL,
        "started_at": NOT_PERSONAL,
        "started_by": staff_audit(),
        "recipients": NOT_PERSONAL,  # a count
        "written_at": NOT_PERSONAL,
    },
)

declare(
    Announcement,
    fields={
        "message": NOT_PERSONAL,
        "link": NOT_PERSONAL,  # a page of this site
        "level": NOT_PERSONAL,
        "starts_at": NOT_PERSONAL,
        "ends_at": NOT_PERSONAL,
        "mail_subject": NOT_PERSONAL,
        "mail_body": NOT_PERSONAL,
        "mailed_at": NOT_PERSONAL,
        "mailed_by": staff_audit(),
        "recipients": NOT_PERSONAL,  # a count
        "created_at": NOT_PERSONAL,
    },
)

# Export and erasure of a subject's data (P20): subject_data.py.
from candor.privacy.registry import register_holder  # noqa: E402

from .subject_data import HOLDER  # noqa: E402

register_holder(HOLDER)
