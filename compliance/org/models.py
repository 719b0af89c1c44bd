"""Centres, departments, windows and staff (SPEC §2)."""
from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import AuditedMixin, TimestampMixin, enum_column
from ..extensions import db

if TYPE_CHECKING:
    from ..auth.models import User


class DepartmentKind(enum.Enum):
    centre = "centre"  # managed directly by the centre
    seconded = "seconded"  # 派驻单位: staff keep their home unit

    @property
    def label(self):
        return {"centre": _l("Centre-managed"), "seconded": _l("Seconded unit")}[self.value]

    @property
    def is_seconded(self) -> bool:
        return self is DepartmentKind.seconded


class Zone(enum.Enum):
    help = "help"  # 帮办区
    window = "window"  # 窗口区
    back_office = "back_office"  # 后台

    @property
    def label(self):
        return {
            "help": _l("Help area"),
            "window": _l("Window area"),
            "back_office": _l("Back office"),
        }[self.value]


class Gender(enum.Enum):
    F = "F"
    M = "M"

    @property
    def label(self):
        return {"F": _l("Female"), "M": _l("Male")}[self.value]


class Employment(enum.Enum):
    direct = "direct"
    seconded = "seconded"
    agency = "agency"  # 劳务派遣

    @property
    def label(self):
        return {
            "direct": _l("Direct"),
            "seconded": _l("Seconded"),
            "agency": _l("Agency"),
        }[self.value]


class Centre(AuditedMixin, TimestampMixin, db.Model):
    """One service centre (中心); every record belongs to exactly one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Shanghai")

    departments: Mapped[list[Department]] = relationship(back_populates="centre")

    def __repr__(self) -> str:
        return f"<Centre {self.code}>"

    @staticmethod
    def visible_clause(user: User):
        if user.centre_id is None:
            return sa.true()
        return Centre.id == user.centre_id

    def can_view(self, user: User) -> bool:
        return user.centre_id in (None, self.id)

    def can_edit(self, user: User) -> bool:
        return user.is_admin and user.centre_id is None


class Department(AuditedMixin, TimestampMixin, db.Model):
    """A department or seconded unit (部门/派驻单位) of a centre."""

    __table_args__ = (sa.UniqueConstraint("centre_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[DepartmentKind] = mapped_column(enum_column(DepartmentKind))

    centre: Mapped[Centre] = relationship(back_populates="departments")
    staff: Mapped[list[Staff]] = relationship(back_populates="department")

    def __repr__(self) -> str:
        return f"<Department {self.code}>"

    @staticmethod
    def visible_clause(user: User):
        from ..auth.permissions import centre_clause

        if user.is_unit_lead or user.is_staff:
            return Department.id == user.department_id_in_scope
        return centre_clause(Department.centre_id, user)

    def can_view(self, user: User) -> bool:
        if user.is_unit_lead or user.is_staff:
            return self.id == user.department_id_in_scope
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class Window(AuditedMixin, TimestampMixin, db.Model):
    """A service window (窗口) such as ``A12``, in a zone of the hall."""

    __table_args__ = (sa.UniqueConstraint("centre_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(200))
    zone: Mapped[Zone] = mapped_column(enum_column(Zone))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)

    department: Mapped[Department] = relationship()

    def __repr__(self) -> str:
        return f"<Window {self.code}>"

    @staticmethod
    def visible_clause(user: User):
        from ..auth.permissions import centre_clause

        return centre_clause(Window.centre_id, user)

    def can_view(self, user: User) -> bool:
        # Window codes and names are public in the hall; every role of the centre sees them.
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)


class Staff(AuditedMixin, TimestampMixin, db.Model):
    """A window worker (窗口工作人员); ``staff_no`` (工号) is unique across the deployment.

    ``device_user_id`` is the person's number on the centre's time clocks (考勤号码/人员编号),
    unique within the centre; device files are matched on it, or else on the staff number.
    """

    __table_args__ = (sa.UniqueConstraint("centre_id", "device_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(sa.ForeignKey("centre.id"), index=True)
    staff_no: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    gender: Mapped[Gender] = mapped_column(enum_column(Gender))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id"), index=True)
    employment: Mapped[Employment] = mapped_column(enum_column(Employment))
    window_id: Mapped[int | None] = mapped_column(sa.ForeignKey("window.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    device_user_id: Mapped[str | None] = mapped_column(sa.String(32))

    department: Mapped[Department] = relationship(back_populates="staff")
    window: Mapped[Window | None] = relationship()

    def __repr__(self) -> str:
        return f"<Staff {self.staff_no}>"

    @staticmethod
    def visible_clause(user: User):
        """Who may see which person: the one rule, used by every list, page and API."""
        from ..auth.permissions import centre_clause

        if user.is_staff:
            return Staff.id == user.staff_id if user.staff_id else sa.false()
        if user.is_unit_lead:
            return Staff.department_id == user.department_id if user.department_id else sa.false()
        return centre_clause(Staff.centre_id, user)

    def can_view(self, user: User) -> bool:
        if user.is_staff:
            return user.staff_id is not None and user.staff_id == self.id
        if user.is_unit_lead:
            return user.department_id is not None and user.department_id == self.department_id
        return user.in_centre(self.centre_id)

    def can_edit(self, user: User) -> bool:
        return user.is_manager and user.in_centre(self.centre_id)
