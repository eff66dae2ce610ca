"""Role × step of the payroll's workflow and the recoveries, written out from docs/ui.md (not read
from the map): who may check, approve, close and write off, and who sees payrolls. A refusal is
`not_permitted` whatever the record."""

import pytest

from safetynet.accounts.models import Role
from safetynet.accounts.permissions import NotPermittedError
from safetynet.core.errors import ServiceError
from safetynet.payments import approval
from safetynet.payments.recoveries import recovery_write_off
from tests.helpers.city import make_user

pytestmark = pytest.mark.django_db

C, S, D, A, V, AU, F = (
    "community_worker",
    "street_officer",
    "district_approver",
    "city_admin",
    "verification_operator",
    "auditor",
    "finance",
)
MAY = {
    "payroll_check": {A, F},
    "payroll_send_back": {A, F},
    "payroll_approve": {D, A},
    "payroll_close": {A, F},
    "recovery_write_off": {D},
}
SEES = {S, D, A, AU, F}
CALLS = {
    "payroll_check": lambda u: approval.payroll_check(actor=u, payroll_id=999999),
    "payroll_send_back": lambda u: approval.payroll_send_back(
        actor=u, payroll_id=999999, reason="x"
    ),
    "payroll_approve": lambda u: approval.payroll_approve(actor=u, payroll_id=999999, scope="city"),
    "payroll_close": lambda u: approval.payroll_close(actor=u, payroll_id=999999),
    "recovery_write_off": lambda u: recovery_write_off(actor=u, recovery_id=999999, reason="x"),
}


@pytest.fixture
def people(users):
    return {**users, F: make_user("fin", Role.CITY_FINANCE, "350200")}


@pytest.mark.parametrize("service", sorted(MAY))
@pytest.mark.parametrize("role", [C, S, D, A, V, AU, F])
def test_role_by_step(people, role, service):
    user = people[role]
    with pytest.raises(ServiceError) as exc:
        CALLS[service](user)  # no such record: the permitted get past the ability check
    if role in MAY[service]:
        assert not isinstance(exc.value, NotPermittedError), exc.value.message
    else:
        assert isinstance(exc.value, NotPermittedError)
    assert user.has_perm("payments.see_payrolls") == (role in SEES)
