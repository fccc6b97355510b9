import pytest

from qms.core.demo import DEMO_PASSWORD, load_demo


@pytest.fixture
def demo(db):
    """The demo department, loaded through the services exactly as `make run` loads it."""
    return load_demo()


@pytest.fixture
def login(client):
    """Sign ``username`` in with the demo password and return the client."""

    def _login(username):
        client.logout()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        return client

    return _login


@pytest.fixture(autouse=True)
def _migration_data_after_flush(request, django_db_blocker):
    """A transactional test ends with a flush of every table, which also removes what data
    migrations seeded (the one-stop regimes and their forms): put it back for the tests that
    follow in the same database."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = (marker is not None and marker.kwargs.get("transaction")) or {
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if transactional:
        import importlib

        from django.apps import apps

        with django_db_blocker.unblock():
            importlib.import_module("procedures.migrations.0002_regimes_and_forms").load(apps, None)
