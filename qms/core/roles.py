"""What each role may do. Roles are Django groups (global rights); a membership adds the
role's rights *on its unit* as django-guardian object permissions."""

from .models import Role

#: Global model permissions of each role's group (``app_label.codename``).
GROUP_PERMISSIONS: dict[str, list[str]] = {
    Role.ONE_STOP_OFFICER: [],
    Role.SPECIALIST: [],
    Role.UNIT_HEAD: [],
    # Leaders, the quality manager and auditors see the records of every unit.
    Role.DIRECTOR: [
        "core.view_unit_records",
        "core.view_auditevent",
        "reviews.view_managementreview",
        "planning.manage_quality_planning",  # quality policy, objectives, risk register
        "planning.approve_qualitypolicy",
    ],
    Role.CLERK: [],
    Role.QUALITY_MANAGER: [
        "core.view_unit_records",
        "core.view_auditevent",
        "reviews.view_managementreview",
        "reviews.change_managementreview",
        "core.act_quality_manager",  # effectiveness check and closure of nonconformities
        "planning.manage_quality_planning",  # quality policy drafts, objectives, risk register
    ],
    # Auditors read everything (the audit log included) and change nothing.
    Role.INTERNAL_AUDITOR: [
        "core.view_unit_records",
        "core.view_auditevent",
        "reviews.view_managementreview",
    ],
    Role.ADMINISTRATOR: [
        "core.view_unit_records",
        "core.view_auditevent",
        "core.add_user",
        "core.change_user",
        "core.view_user",
        "core.add_membership",
        "core.change_membership",
        "core.delete_membership",
        "core.view_membership",
        "core.view_orgunit",
        "core.change_orgunit",
        "core.add_orgunit",
        "core.view_agency",
        "core.change_agency",
        "core.add_agency",
        "core.view_calendaroverride",
        "core.add_calendaroverride",
        "core.change_calendaroverride",
        "core.delete_calendaroverride",
    ],
}

#: Permissions on the member's own unit (guardian object permissions on OrgUnit).
UNIT_PERMISSIONS: dict[str, list[str]] = {
    Role.ONE_STOP_OFFICER: ["work_in_unit", "view_unit_records", "act_one_stop_officer"],
    Role.SPECIALIST: ["work_in_unit", "view_unit_records", "act_specialist"],
    Role.UNIT_HEAD: ["work_in_unit", "lead_unit", "view_unit_records", "act_unit_head"],
    Role.DIRECTOR: ["work_in_unit", "lead_unit", "view_unit_records", "act_director"],
    Role.CLERK: ["work_in_unit", "view_unit_records", "act_clerk"],
    Role.QUALITY_MANAGER: ["work_in_unit", "view_unit_records", "act_quality_manager"],
    Role.INTERNAL_AUDITOR: ["view_unit_records", "act_internal_auditor"],
    Role.ADMINISTRATOR: ["view_unit_records", "act_administrator"],
}


def act_permission(role: str) -> str:
    """The unit permission that lets a member take the steps of ``role`` in that unit."""
    return f"core.act_{Role(role).value}"


#: Roles whose members may sign in to the admin site.
STAFF_ROLES = {Role.ADMINISTRATOR}
