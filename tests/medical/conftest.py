import pytest

from tests.helpers.institutions import issue_key, key_header, make_institution


@pytest.fixture
def hospital(users):
    return make_institution("H350203001", "hospital", name="厦门市第一医院")


@pytest.fixture
def hospital_key(hospital):
    return key_header(issue_key(hospital))


@pytest.fixture
def other_hospital(users):
    return make_institution("H350206002", "hospital", division="350206", name="厦门市湖里医院")
