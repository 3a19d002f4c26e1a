"""The database models. The database is the one source of truth."""

from wiki.models.audit import AuditEvent
from wiki.models.base import Base, utcnow
from wiki.models.curation import (
    Collection,
    CollectionItem,
    Comment,
    Confirmation,
    PrivacyOverride,
    Reclassification,
    Review,
)
from wiki.models.lesson import (
    REDACTED_TEXT,
    Lesson,
    LessonChange,
    Link,
    Revision,
    Tag,
    lesson_tag,
    lesson_theme,
    redacted_front_matter,
)
from wiki.models.reference import Municipality, Theme
from wiki.models.user import ApiToken, User

__all__ = [
    "REDACTED_TEXT",
    "ApiToken",
    "AuditEvent",
    "Collection",
    "CollectionItem",
    "Comment",
    "Confirmation",
    "PrivacyOverride",
    "Reclassification",
    "Review",
    "Base",
    "Lesson",
    "LessonChange",
    "Link",
    "Municipality",
    "Revision",
    "Tag",
    "Theme",
    "User",
    "lesson_tag",
    "lesson_theme",
    "redacted_front_matter",
    "utcnow",
]
