import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from guardian.shortcuts import get_perms

from qms.core import services
from qms.core.demo import USERS
from qms.core.models import Agency, Membership, OrgUnit, Role, User
from qms.core.selectors import agency_current, units_visible_to, user_sees_all_units

pytestmark = pytest.mark.django_db


def test_demo_creates_agency_units_and_one_user_per_role(demo):
    agency = demo["agency"]
    assert agency.code == "000.00.xx.H51"
    names = set(OrgUnit.objects.values_list("name", flat=True))
    for expected in (
        "Văn phòng Sở",
        "Thanh tra Sở",
        "Phòng Kế hoạch - Tài chính",
        "Trung tâm Công nghệ thông tin",
        "Phòng Môi trường",
        "Phòng Tài nguyên nước - Khoáng sản - Khí tượng thủy văn",
        "Phòng Quản lý đất đai",
        "Phòng Biển và Hải đảo",
    ):
        assert expected in names
    assert OrgUnit.objects.get(code="mot-cua").kind == OrgUnit.Kind.ONE_STOP
    assert {m.role for m in Membership.objects.all()} == set(Role.values)
    assert User.objects.count() == len(USERS)


def test_demo_is_idempotent(demo):
    counts = (User.objects.count(), OrgUnit.objects.count(), Membership.objects.count())
    from qms.core.demo import load_demo

    result = load_demo()
    assert result["users_created"] == 0
    assert counts == (User.objects.count(), OrgUnit.objects.count(), Membership.objects.count())


def test_roles_are_groups_and_unit_rights_are_guardian_permissions(demo):
    head = User.objects.get(username="truongphong")
    env_unit = OrgUnit.objects.get(code="moi-truong")
    water = OrgUnit.objects.get(code="tai-nguyen-nuoc")
    assert head.groups.filter(name=Role.UNIT_HEAD).exists()
    assert set(get_perms(head, env_unit)) == {
        "work_in_unit",
        "lead_unit",
        "view_unit_records",
        "act_unit_head",
    }
    assert get_perms(head, water) == []
    assert head.has_perm("core.lead_unit", env_unit)
    assert not head.has_perm("core.lead_unit", water)


def test_visibility_own_units_or_all(demo):
    specialist = User.objects.get(username="chuyenvien")
    assert list(units_visible_to(specialist).values_list("code", flat=True)) == ["moi-truong"]
    assert not user_sees_all_units(specialist)
    for username in ("giamdoc", "thuky", "danhgia", "admin"):
        user = User.objects.get(username=username)
        assert user_sees_all_units(user), username
        assert units_visible_to(user).count() == OrgUnit.objects.count()


def test_revoking_a_membership_removes_its_rights_and_group(demo):
    specialist = User.objects.get(username="chuyenvien")
    unit = OrgUnit.objects.get(code="moi-truong")
    membership = Membership.objects.get(user=specialist, unit=unit)
    membership_id = membership.pk
    services.membership_revoke(actor=None, membership=membership)
    specialist = User.objects.get(pk=specialist.pk)  # fresh permission caches
    assert get_perms(specialist, unit) == []
    assert not specialist.groups.filter(name=Role.SPECIALIST).exists()
    assert Membership.history.filter(id=membership_id, history_type="-").exists()


def test_revoking_one_of_two_roles_keeps_the_rights_the_other_still_gives(demo):
    user = User.objects.get(username="chuyenvien")
    unit = OrgUnit.objects.get(code="moi-truong")
    services.membership_grant(actor=None, user=user, unit=unit, role=Role.UNIT_HEAD)
    services.membership_revoke(
        actor=None, membership=Membership.objects.get(user=user, unit=unit, role=Role.UNIT_HEAD)
    )
    user = User.objects.get(pk=user.pk)
    assert set(get_perms(user, unit)) == {"work_in_unit", "view_unit_records", "act_specialist"}
    assert user.groups.filter(name=Role.SPECIALIST).exists()
    assert not user.groups.filter(name=Role.UNIT_HEAD).exists()


def test_role_groups_exist_after_migrate(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    assert (
        Group.objects.get(name=Role.INTERNAL_AUDITOR)
        .permissions.filter(codename="view_unit_records")
        .exists()
    )


def test_agency_succession_keeps_old_records_on_the_old_agency(demo):
    old = demo["agency"]
    unit = OrgUnit.objects.get(code="moi-truong")
    new = services.agency_succeed(
        actor=None,
        agency=old,
        on=dt.date(2025, 7, 1),
        name="Sở Nông nghiệp và Môi trường thành phố Cần Thơ",
        code="000.00.xx.H92",
    )
    old.refresh_from_db()
    assert old.valid_to == dt.date(2025, 6, 30)
    assert new.predecessor == old
    assert agency_current(on=dt.date(2024, 5, 1)) == old
    assert agency_current(on=dt.date(2025, 7, 1)) == new
    unit.refresh_from_db()
    assert unit.agency == old
    assert old.history.count() == 2  # created, then closed


def test_agency_succession_before_start_is_refused(demo):
    with pytest.raises(ValidationError):
        services.agency_succeed(
            actor=None, agency=demo["agency"], on=dt.date(2000, 1, 1), name="X", code="Y"
        )
    assert Agency.objects.count() == 1


def test_agency_period_constraint():
    with pytest.raises(ValidationError):
        services.agency_create(
            actor=None,
            name="Cơ quan thử",
            code="000.00.00.H00",
            valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2023, 1, 1),
        )
    assert not Agency.objects.exists()


def test_unit_tree_refuses_a_cycle(demo):
    office = OrgUnit.objects.get(code="van-phong")
    one_stop = OrgUnit.objects.get(code="mot-cua")
    office.parent = one_stop
    with pytest.raises(ValidationError):
        office.full_clean()


def test_full_name_is_family_name_first(demo):
    assert User.objects.get(username="motcua").get_full_name() == "Trần Thị Mai"


def test_load_demo_is_refused_when_demo_accounts_are_disabled(db, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    settings.QMS_DEMO_PASSWORD = None
    with pytest.raises(CommandError, match="trình diễn"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_admin_changes_a_membership_through_the_service_and_keeps_rights(demo, client):
    from guardian.shortcuts import get_perms

    client.force_login(User.objects.get(username="admin"))
    membership = Membership.objects.get(user__username="chuyenvien")
    response = client.post(f"/admin/core/membership/{membership.pk}/change/", {"is_primary": ""})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.is_primary is False
    assert membership.history.latest().history_user.username == "admin"
    assert "act_specialist" in get_perms(membership.user, membership.unit)
