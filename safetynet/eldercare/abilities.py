"""The eldercare abilities (ADR 1200), merged into the one permission map
(`safetynet.accounts.permissions.ABILITIES`) and registered by `eldercare/rules.py`.

The 12349 operator (接线员, city) takes calls, finds persons, creates, dispatches and follows
orders and visits back; community and street offices keep the elderly database (living
situation, contacts, self-care assessments) and issue the service cards; the city administrator
admits providers (application, review, contract, items, areas, staff, suspension, exit) and
grants the monthly credit; the finance office makes the providers' monthly statements. Provider
staff (加盟商工作人员) see and work only their own provider's orders (the portal).
"""

from django.utils.translation import gettext_lazy as _

from safetynet.accounts.models import Role

C = Role.COMMUNITY_WORKER
S = Role.STREET_OFFICER
D = Role.DISTRICT_APPROVER
A = Role.CITY_ADMIN
AU = Role.AUDITOR
F = Role.CITY_FINANCE
OP = Role.ELDERCARE_OPERATOR
PS = Role.PROVIDER_STAFF

ABILITIES = {
    "eldercare.view_elders": frozenset({C, S, D, A, AU, OP}),
    "eldercare.manage_elders": frozenset({C, S, OP}),  # profile, contacts
    "eldercare.assess_selfcare": frozenset({C, S}),  # assessment_record
    "eldercare.export_elders": frozenset({C, S, D, A, AU}),
    "eldercare.view_providers": frozenset({C, S, D, A, AU, F, OP}),
    "eldercare.manage_providers": frozenset({A}),  # admission, contract, items, areas, exit
    "eldercare.record_complaints": frozenset({C, S, A, OP}),
    "eldercare.take_calls": frozenset({C, S, OP}),  # call_record, console
    "eldercare.manage_orders": frozenset({C, S, OP}),  # order_create, dispatch, cancel, visit
    "eldercare.view_orders": frozenset({C, S, D, A, AU, F, OP}),
    "eldercare.manage_cards": frozenset({C, S, OP}),  # card_issue, card_report_lost
    "eldercare.grant_credit": frozenset({A}),  # credit_grant_month
    "eldercare.make_statements": frozenset({A, F}),  # provider_statements_make
    "eldercare.send_reimbursements": frozenset({A, F}),  # reimbursement_files_make, results
    "eldercare.view_statistics": frozenset({C, S, D, A, AU, F, OP}),
    "eldercare.work_orders": frozenset({PS}),  # the provider portal: accept, done, settle
}

ABILITY_LABELS = {
    "eldercare.view_elders": _("see the elderly database"),
    "eldercare.manage_elders": _("keep elderly persons' living situation and contacts"),
    "eldercare.assess_selfcare": _("record self-care assessments"),
    "eldercare.export_elders": _("export the elderly database"),
    "eldercare.view_providers": _("see elderly-care providers"),
    "eldercare.manage_providers": _("admit, suspend and exit elderly-care providers"),
    "eldercare.record_complaints": _("record complaints about providers"),
    "eldercare.take_calls": _("take 12349 calls"),
    "eldercare.manage_orders": _("create, dispatch and follow service orders"),
    "eldercare.view_orders": _("see service orders"),
    "eldercare.manage_cards": _("issue elderly service cards"),
    "eldercare.grant_credit": _("grant the monthly service credit"),
    "eldercare.make_statements": _("make providers' monthly statements"),
    "eldercare.send_reimbursements": _("send providers' statements to the bank"),
    "eldercare.view_statistics": _("see elderly-care statistics"),
    "eldercare.work_orders": _("work a provider's service orders"),
}
