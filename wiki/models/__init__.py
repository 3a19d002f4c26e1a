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
    Lesson,
    LessonChange,
    Link,
    Revision,
    Tag,
    lesson_tag,
    lesson_theme,
)
from wiki.models.reference import Municipality, Theme
from wiki.models.user import ApiToken, User

__all__ = [
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
    "utcnow",
]
