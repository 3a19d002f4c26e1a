"""Reference data: municipalities and the fixed theme list."""

from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from wiki.models.base import Base


class Municipality(Base):
    """A Dutch municipality as of 1 January 2025 (CBS code, province, aliases)."""

    __tablename__ = "municipality"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    province: Mapped[str] = mapped_column(String(40), index=True)
    # Aliases separated by "|", as in the shipped data file.
    aliases: Mapped[str] = mapped_column(Text, default="")

    @property
    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split("|") if a]


class Theme(Base):
    """One of the fixed themes from the lesson format."""

    __tablename__ = "theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    label: Mapped[str] = mapped_column(String(100))
