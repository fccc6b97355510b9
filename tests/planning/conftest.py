import pytest

from qms.core.models import OrgUnit, User

from .dossiers import demo_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with demo_world(django_db_blocker) as world:
        yield world


@pytest.fixture
def demo(world, db):
    """The demo department and catalogue (built once per module, see ``demo_world``)."""
    return world


@pytest.fixture
def catalogue(demo):
    return demo


@pytest.fixture
def units(demo):
    return {unit.code: unit for unit in OrgUnit.objects.all()}


@pytest.fixture
def people(demo):
    return {user.username: user for user in User.objects.all()}
