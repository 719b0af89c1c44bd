"""Imports every core model so the metadata (and Alembic) sees the whole schema."""
from .attendance.models import (PunchBatch, Punch, RosterEntry, SessionRecord,  # noqa: F401
                                Shift, ShiftSession)
from .attendance.requests import LeaveRequest, PunchCorrection, TemporaryAbsence  # noqa: F401
from .audit import AuditEntry  # noqa: F401
from .auth.models import ApiToken, LoginThrottle, User  # noqa: F401
from .cases.calendar import WorkdayOverride  # noqa: F401
from .cases.models import CaseStep, Complaint, Review, ReviewCase  # noqa: F401
from .conduct.models import Evidence, Finding, FindingStep  # noqa: F401
from .notifications import Notification  # noqa: F401
from .org.models import Centre, Department, Staff, Window  # noqa: F401
from .scoring.models import AnnualResult, CaseFigure, DailyResult, QuarterlyResult  # noqa: F401
from .scoring.store import RulebookVersion  # noqa: F401
from .jobs import JobRun, SchedulerLease  # noqa: F401
