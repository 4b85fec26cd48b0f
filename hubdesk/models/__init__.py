"""Every table of HubDesk, one module per concept; import from here (``from hubdesk.models import Case``).

Importing this package registers all tables on ``SQLModel.metadata`` (Alembic's env.py relies on it).
"""

from hubdesk.models.announcement import (
    Announcement,
    AnnouncementStatus,
    Delivery,
    DeliveryState,
    Subscription,
)
from hubdesk.models.base import UTCDateTime, utcnow
from hubdesk.models.case import Case, CaseMessage, CaseStatus, Sender, VolunteerPost
from hubdesk.models.event import ALL_HUBS, Event, MonthKey, MonthVisitor, MonthVisitorCount, Outcome
from hubdesk.models.user import Role, User
from hubdesk.models.visitor import ProcessedUpdate, RateLimitWindow, Visitor
from hubdesk.models.webchat import WebchatOutbox

__all__ = [
    "ALL_HUBS",
    "Announcement",
    "AnnouncementStatus",
    "Delivery",
    "DeliveryState",
    "Subscription",
    "Case",
    "CaseMessage",
    "CaseStatus",
    "Event",
    "MonthKey",
    "MonthVisitor",
    "MonthVisitorCount",
    "Outcome",
    "ProcessedUpdate",
    "RateLimitWindow",
    "Role",
    "Sender",
    "User",
    "UTCDateTime",
    "Visitor",
    "VolunteerPost",
    "WebchatOutbox",
    "utcnow",
]
