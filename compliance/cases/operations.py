"""The workflows of reviews, bad-review cases and complaints, in one place for pages, API and
jobs (each lives in the module of its seam; they flush and never commit)."""
from .calendar import remove_override, save_override  # noqa: F401
from .complaints import (ComplaintData, assignable_users, create_complaint,  # noqa: F401
                         is_substantiated, transition)
from .reminders import overdue_complaints, overdue_review_cases, send_deadline_reminders  # noqa: F401
from .reviews import (FollowupRate, ReviewData, conclude_case, create_review,  # noqa: F401
                      decide_malicious, followup_rate, record_followup, report_back)
