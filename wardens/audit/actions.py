"""Every kind of event the audit trail records: one enum, one label each.

The stored codes are the ones the trail has always held (three naming styles grew
over time: ``create``, ``user_created``, ``attendance_month.submit``). They stay as
they are so that every event already written still reads; code names them only
through this enum, and people only ever see the label.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l


class AuditAction(StrEnum):
    # The register (the record type says what was created or changed)
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    NEIGHBOURS = "neighbours"
    FLAG_SET = "flag_set"
    FLAG_CLEARED = "flag_cleared"
    ID_REVEALED = "id_revealed"
    EXPORT_UNMASKED = "export_unmasked"
    IMPORT = "import"
    # Attendance
    ATTENDANCE_SAVE_DAY = "attendance.save_day"
    ATTENDANCE_IMPORT_MONTH = "attendance.import_month"
    STOPPAGE_DECLARE = "stoppage.declare"
    STOPPAGE_UNDO = "stoppage.undo"
    MONTH_SUBMIT = "attendance_month.submit"
    MONTH_RETURN = "attendance_month.return"
    MONTH_CLOSE = "attendance_month.close"
    MONTH_REOPEN = "attendance_month.reopen"
    MONTH_SHEET_STORED = "attendance_month.sheet_stored"
    # Accounts and settings
    USER_CREATED = "user_created"
    USER_UPDATED = "user_updated"
    ROAD_CHIEF_SECTIONS = "road_chief_sections"
    USER_DISABLED = "user_disabled"
    USER_ENABLED = "user_enabled"
    USER_PASSWORD_RESET = "user_password_reset"
    USER_UNLOCKED = "user_unlocked"
    PASSWORD_CHANGED = "password_changed"
    SETTINGS_CHANGED = "settings_changed"
    # The yearly round
    ROUND_OPEN = "round_open"
    ROUND_PROPOSED = "round_proposed"
    ROUND_NOTICE = "round_notice"
    ROUND_APPROVED = "round_approved"
    ROUND_IN_FORCE = "round_in_force"
    APPLICATION_ADD = "application_add"
    APPLICATION_REFRESH = "application_refresh"
    APPLICATION_CHOICES = "application_choices"
    APPLICATION_EXCLUDE = "application_exclude"
    APPLICATION_INCLUDE = "application_include"
    APPLICATION_WITHDRAW = "application_withdraw"
    APPLICATION_PIN = "application_pin"
    APPLICATION_UNPIN = "application_unpin"
    ALLOCATION_RUN = "allocation_run"
    OBJECTION_RAISE = "objection_raise"
    OBJECTION_SETTLE = "objection_settle"
    ASSIGNMENT_CREATE = "assignment_create"
    ASSIGNMENT_END = "assignment_end"
    # Dismissal review and mid-year fills
    DISMISSAL_FLAG = "dismissal_flag"
    DISMISSAL_DISMISSED = "dismissal_dismissed"
    DISMISSAL_CLEARED = "dismissal_cleared"
    ASSIGNMENT_DISMISS = "assignment_dismiss"
    DISMISSAL_UNDONE = "dismissal_undone"
    MID_YEAR_RUN = "mid_year_run"
    MID_YEAR_APPROVE = "mid_year_approve"
    # Patrol (road lines, settings, the retention purge)
    ROAD_LINE_SET = "road_line_set"
    ROAD_LINE_CLEARED = "road_line_cleared"
    PATROL_SETTINGS = "patrol_settings"
    PATROL_PURGE = "patrol_purge"

    @classmethod
    def round_moved_to(cls, state: str) -> "AuditAction":
        """The event of a round entering a state (``proposed`` → ROUND_PROPOSED)."""
        return cls(f"round_{state}")

    @classmethod
    def dismissal_decided(cls, decision: str) -> "AuditAction":
        """The event of a dismissal flag decided (``dismissed`` or ``cleared``)."""
        return cls(f"dismissal_{decision}")

    @property
    def label(self) -> str:
        return str(ACTION_LABELS[self])


ACTION_LABELS = {
    AuditAction.CREATE: _l("Created"),
    AuditAction.UPDATE: _l("Changed"),
    AuditAction.DEACTIVATE: _l("Deactivated"),
    AuditAction.REACTIVATE: _l("Reactivated"),
    AuditAction.NEIGHBOURS: _l("Neighbouring villages set"),
    AuditAction.FLAG_SET: _l("Household flag recorded"),
    AuditAction.FLAG_CLEARED: _l("Household flag cleared"),
    AuditAction.ID_REVEALED: _l("Full ID number shown"),
    AuditAction.EXPORT_UNMASKED: _l("Exported without masking"),
    AuditAction.IMPORT: _l("Imported from a file"),
    AuditAction.ATTENDANCE_SAVE_DAY: _l("Day's attendance saved"),
    AuditAction.ATTENDANCE_IMPORT_MONTH: _l("Month's attendance imported"),
    AuditAction.STOPPAGE_DECLARE: _l("Work stoppage declared"),
    AuditAction.STOPPAGE_UNDO: _l("Work stoppage undone"),
    AuditAction.MONTH_SUBMIT: _l("Month submitted"),
    AuditAction.MONTH_RETURN: _l("Month sent back"),
    AuditAction.MONTH_CLOSE: _l("Month closed"),
    AuditAction.MONTH_REOPEN: _l("Month reopened"),
    AuditAction.MONTH_SHEET_STORED: _l("Closed month's sheet stored"),
    AuditAction.USER_CREATED: _l("Account created"),
    AuditAction.USER_UPDATED: _l("Account changed"),
    AuditAction.ROAD_CHIEF_SECTIONS: _l("Road chief's sections changed"),
    AuditAction.USER_DISABLED: _l("Account disabled"),
    AuditAction.USER_ENABLED: _l("Account enabled"),
    AuditAction.USER_PASSWORD_RESET: _l("Password reset"),
    AuditAction.USER_UNLOCKED: _l("Account unlocked"),
    AuditAction.PASSWORD_CHANGED: _l("Own password changed"),
    AuditAction.SETTINGS_CHANGED: _l("District settings changed"),
    AuditAction.ROUND_OPEN: _l("Round opened"),
    AuditAction.ROUND_PROPOSED: _l("Round's proposal made"),
    AuditAction.ROUND_NOTICE: _l("Round put on public notice"),
    AuditAction.ROUND_APPROVED: _l("Round approved"),
    AuditAction.ROUND_IN_FORCE: _l("Round in force"),
    AuditAction.APPLICATION_ADD: _l("Application added"),
    AuditAction.APPLICATION_REFRESH: _l("Application brought up to date"),
    AuditAction.APPLICATION_CHOICES: _l("Application's choices changed"),
    AuditAction.APPLICATION_EXCLUDE: _l("Applicant excluded"),
    AuditAction.APPLICATION_INCLUDE: _l("Applicant included again"),
    AuditAction.APPLICATION_WITHDRAW: _l("Application withdrawn"),
    AuditAction.APPLICATION_PIN: _l("Applicant pinned to a post"),
    AuditAction.APPLICATION_UNPIN: _l("Pin removed"),
    AuditAction.ALLOCATION_RUN: _l("Allocation run"),
    AuditAction.OBJECTION_RAISE: _l("Objection recorded"),
    AuditAction.OBJECTION_SETTLE: _l("Objection settled"),
    AuditAction.ASSIGNMENT_CREATE: _l("Agreement started"),
    AuditAction.ASSIGNMENT_END: _l("Agreement ended"),
    AuditAction.DISMISSAL_FLAG: _l("Flagged for dismissal review"),
    AuditAction.DISMISSAL_DISMISSED: _l("Dismissal decided"),
    AuditAction.DISMISSAL_CLEARED: _l("Dismissal flag cleared"),
    AuditAction.ASSIGNMENT_DISMISS: _l("Holder dismissed"),
    AuditAction.DISMISSAL_UNDONE: _l("Dismissal undone"),
    AuditAction.MID_YEAR_RUN: _l("Mid-year fill proposed"),
    AuditAction.MID_YEAR_APPROVE: _l("Mid-year fill approved"),
    AuditAction.ROAD_LINE_SET: _l("Road line set"),
    AuditAction.ROAD_LINE_CLEARED: _l("Road line removed"),
    AuditAction.PATROL_SETTINGS: _l("Patrol settings changed"),
    AuditAction.PATROL_PURGE: _l("Old locations and photos deleted"),
}


def action_label(code: str) -> str:
    """The label of a stored code; a code no release wrote is shown as it is."""
    try:
        return AuditAction(code).label
    except ValueError:
        return code
