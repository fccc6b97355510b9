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
