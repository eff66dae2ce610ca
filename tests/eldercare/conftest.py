import pytest

from safetynet.eldercare import services
from tests.eldercare.helpers import admitted_provider, operator


@pytest.fixture
def op(users):
    return operator()


@pytest.fixture
def provider(users, registry):
    return admitted_provider(users["city_admin"])


@pytest.fixture
def staff(provider, users):
    return services.provider_staff_add(
        actor=users["city_admin"],
        provider_id=provider.pk,
        username="ludao-1",
        password="pass-for-tests-1",
        last_name="周",
        first_name="敏",
    )
