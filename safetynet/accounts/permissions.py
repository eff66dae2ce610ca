"""The one permission map: which role may do what (ADR 0720).

Every caller asks the same question of the same table: services (`require`, before they write),
views (`user.has_perm` / `permission_required`), templates (`perms.<app>.<ability>`), the API
(`/api/me/`) and the CLI (`--as USER`, through the services). `accounts/rules.py` and
`verification/rules.py` register one django-rules permission per ability from this map, adding
the object predicate (the record lies in the user's jurisdiction) where one applies.

An ability answers "may this role do this at all"; *which records* is the jurisdiction, enforced
by the scoped selectors and lookups (outside it, NotFoundError, like a missing record). A service
checks the ability first (a refusal is `not_permitted`: abilities are not secret), then looks the
record up in the jurisdiction.

Ability names never take Django's model-permission forms (`add_`, `change_`, `delete_`, `view_`
followed by a model name), so no group or user permission in the database can grant one: the only
way to an ability is the role (or being a superuser, which ADR 0400 keeps for installation).
"""

from django.utils.translation import gettext_lazy as _

from safetynet.core.errors import ServiceError

from .models import ROLES_SEEING_FULL_ID, Role

C = Role.COMMUNITY_WORKER
S = Role.STREET_OFFICER
D = Role.DISTRICT_APPROVER
A = Role.CITY_ADMIN
V = Role.VERIFICATION_OPERATOR
AU = Role.AUDITOR
F = Role.CITY_FINANCE
# A provider's staff (eldercare) read nothing of the registry: every other role.
EVERY_ROLE = frozenset(Role) - {Role.PROVIDER_STAFF}

# The registry is maintained by the offices that meet the families (community, street/town) and by
# the city administrator, who loads rosters for them; the district approver decides enrolments.
# The verification operator and the auditor read; they never write the registry.
REGISTRY_WRITERS = frozenset({C, S, A})

ABILITIES: dict[str, frozenset[Role]] = {
    # registry: reading (scoped), ID numbers, rosters
    "registry.view_registry": EVERY_ROLE,
    "registry.view_full_id_number": frozenset(ROLES_SEEING_FULL_ID),
    "registry.import_households": REGISTRY_WRITERS,
    "registry.export_households": frozenset({C, S, D, A, AU}),
    "registry.export_persons": frozenset({C, S, D, A, AU}),
    # registry: writes (services.py)
    "registry.register_person": REGISTRY_WRITERS,  # person_create
    "registry.update_person": REGISTRY_WRITERS,  # person_update
    "registry.record_death": REGISTRY_WRITERS,  # person_record_death
    # household_create, household_add_member, household_change_head, membership_move
    "registry.manage_households": REGISTRY_WRITERS,
    "registry.manage_enrolments": frozenset({C, S, D, A}),  # enrolment_add, enrolment_end
    # verification (verification/services.py, findings.py)
    "verification.view_verification": frozenset({C, S, D, V}),
    "verification.operate_verification": frozenset({C, S, V}),
    "verification.import_findings": frozenset({V}),
    "verification.view_access_log": frozenset({AU}),
    "verification.view_coverage": EVERY_ROLE,
    # accounts: the audit trail of role, jurisdiction, staff and superuser changes
    "accounts.view_account_changes": frozenset({AU}),
    # casework (cases/services.py, POLICY §8): any community or street office accepts (一门受理);
    # the street investigates, proposes and runs the notice; the district decides. The auditor
    # and the city administrator read. A person who accepted or investigated a case never
    # decides it (checked per case in the service, ADR 0811).
    "cases.view_cases": frozenset({C, S, D, A, AU}),
    "cases.accept_application": frozenset({C, S}),  # case_apply
    "cases.investigate": frozenset({S}),  # case_investigation_start, case_home_visit_record
    "cases.propose": frozenset({S}),  # case_propose
    # case_notice_publish, case_notice_close, case_refer_for_decision
    "cases.publish_notice": frozenset({S}),
    "cases.record_objection": frozenset({C, S}),  # case_objection_record
    "cases.answer_objection": frozenset({S}),  # case_objection_answer
    "cases.decide": frozenset({D}),  # case_decide (and the enrolment it makes)
    # case_reinvestigate: the street on an upheld objection, the district sending a case back
    "cases.reinvestigate": frozenset({S, D}),
    "cases.extend_deadline": frozenset({S, D}),  # case_extend (30 → 45 working days)
    "cases.withdraw": frozenset({C, S}),  # case_withdraw
    # fast path, proactive lists, dynamic management, grievances (docs/cases-dynamic.md)
    "cases.grant_emergency": frozenset({S}),  # emergency_aid_grant, emergency_formality_done
    "cases.run_monthly": frozenset({S, D, A}),  # monthly_run (lists proposed, reviews scheduled)
    "cases.confirm_lists": frozenset({S}),  # proposal_list_confirm
    "cases.open_review": frozenset({C, S}),  # review_open (reported change, review task)
    "cases.decide_review": frozenset({D}),  # review_decide (continue, adjust, stop, exit)
    "cases.record_grievance": frozenset({C, S, D}),  # grievance_record
    "cases.answer_grievance": frozenset({D}),  # grievance_answer
    # funds (funds/services.py, POLICY §10, docs/funds.md): the city administrator manages the
    # budgets, records fund income and overrides a budget a payroll would exceed; the auditor
    # reads everything, a district its own district's statements, budgets and journal.
    "funds.view_funds": frozenset({D, A, AU}),
    "funds.manage_budgets": frozenset({A}),  # budget_allocate
    "funds.record_income": frozenset({A}),  # income_record, ta_fund_raise
    "funds.override_budget": frozenset({A}),  # budget_override
    "funds.export_ledger": frozenset({A, AU}),  # the Beancount export of the whole books
    # payments (payments/services.py, POLICY §10): the city administrator prepares the monthly
    # payroll; the offices and the auditor read it (lines scoped to their jurisdiction); bank
    # accounts are kept by the offices that meet the families and the city administrator.
    "payments.see_payrolls": frozenset({S, D, A, AU, F}),
    "payments.prepare_payroll": frozenset({A}),  # payroll_run
    "payments.manage_bank_accounts": frozenset({C, S, A}),  # bank_account_set
    # bank files go out and results come in at the city's finance office (docs/bank-files.md)
    "payments.send_bank_files": frozenset({A, F}),  # bank_files_make
    "payments.import_bank_results": frozenset({A, F}),  # bank_results_import
    # the payroll's workflow after the draft (payments/approval.py, ADR 0940): the city's
    # finance office (or the city administrator) checks; a district approver approves its
    # districts' lines, the city administrator the city-paid programs' lines; never the person
    # who prepared or checked the payroll (checked per payroll in the service).
    "payments.check_payroll": frozenset({A, F}),  # payroll_check
    "payments.approve_payroll": frozenset({D, A}),  # payroll_approve (per scope)
    "payments.close_payroll": frozenset({A, F}),  # payroll_close
    # recoveries of overpayments (payments/recoveries.py): the district writes off
    "payments.view_recoveries": frozenset({S, D, A, AU, F}),
    "payments.write_off_recovery": frozenset({D}),  # recovery_write_off
    "payments.record_refund": frozenset({A, F}),  # refund_bank_return, refund_repayment
    # institutions calling the API (institutions/services.py, ADR 1100): the city administrator
    # registers hospitals, funeral homes and providers and issues or revokes their keys.
    "institutions.view_institutions": frozenset({D, A, AU, F}),
    "institutions.manage_institutions": frozenset({A}),
    # medical assistance one-stop settlement (medical/, ADR 1101–1103): the offices read the
    # settlements of their jurisdiction's persons; the city reads hospitals' statements, and
    # the city's finance office (or administrator) makes them and sends the reimbursements.
    "medical.view_settlements": frozenset({C, S, D, A, AU, F}),
    "medical.view_statements": frozenset({A, AU, F}),
    "medical.make_statements": frozenset({A, F}),  # statement_make
    "medical.send_reimbursements": frozenset({A, F}),  # reimbursement_files_make, results
    # disaster relief (disaster/services.py, docs/disaster.md): the district or city declares an
    # event; community workers register the affected households, run the shelters and record
    # the construction's progress; the street grants living aid and inspects (验收).
    "disaster.view_disaster": frozenset({C, S, D, A, AU}),
    "disaster.manage_events": frozenset({D, A}),  # event_declare
    "disaster.register_damage": frozenset({C, S}),  # affected_register, housing_grant_apply
    "disaster.manage_shelters": frozenset({C, S}),  # shelter_open, shelter_check_in/out
    "disaster.grant_living_aid": frozenset({S}),  # living_aid_grant
    "disaster.record_progress": frozenset({C, S}),  # housing_stage_record (start, completion)
    "disaster.inspect_housing": frozenset({S}),  # housing_stage_record (inspection)
    # deaths and funerals (funerals/services.py, docs/funerals.md): a death an outside source
    # reports (civil-affairs records, a funeral home) is confirmed by the street officer.
    "funerals.view_deaths": frozenset({C, S, D, A, AU}),
    "funerals.confirm_deaths": frozenset({S}),  # death_report_confirm, death_report_reject
    # funeral homes' monthly reimbursement: statements and the bank file, at the city
    "funerals.reimburse_homes": frozenset({A, F}),  # funeral_statements_make, reimbursement_file
    # policy parameters (policy/services.py, ADR 1400): the city proposes and approves changes
    # (never the same person, checked per change); everyone reads them, the auditor the trail.
    "policy.view_parameter_changes": EVERY_ROLE,
    "policy.propose_parameter_change": frozenset({A}),  # propose_change
    "policy.approve_parameter_change": frozenset({A}),  # approve_change, reject_change
    # what-if on the whole city (policy/whatif.py, ADR 1410): the city tries a proposal out;
    # its aggregates (no personal data) are for the city, its finance office and the auditor
    "policy.run_whatif": frozenset({A}),  # whatif_start
    "policy.view_whatif": frozenset({A, AU, F}),  # whatif_runs, whatif_get
    # price indices (policy/indices.py, ADR 1430): entered by the city, read by everyone; the
    # auditor reads the policy audit trail (changes, approvals, index entries and imports).
    "policy.view_price_indices": EVERY_ROLE,
    "policy.enter_price_indices": frozenset({A}),  # index_enter, index_import
    "policy.view_policy_audit": frozenset({AU, A}),
    # 12349 one-key emergencies (eldercare/emergency, docs/eldercare-emergency.md): the offices
    # and the city's 12349 operators open, assign and close emergencies and give out alarm
    # devices (the city administrator too); the district and the auditor read.
    "eldercare_emergency.view_emergencies": frozenset({C, S, D, A, AU, Role.ELDERCARE_OPERATOR}),
    "eldercare_emergency.handle_emergencies": frozenset({C, S, A, Role.ELDERCARE_OPERATOR}),
    "eldercare_emergency.manage_devices": frozenset({C, S, A, Role.ELDERCARE_OPERATOR}),
    # the plan (plan/services.py, docs/plan.md, ADR 1300–1303): everyone reads the targets, the
    # tasks and the facilities of their jurisdiction; the city manages the tasks and takes the
    # monthly snapshots; the district (or the city) reports progress and attaches its plans; the
    # offices keep the facilities of their jurisdiction, the district and city the projects.
    "plan.view_plan": EVERY_ROLE,
    "plan.manage_tasks": frozenset({A}),  # task_create, task_done
    "plan.report_progress": frozenset({D, A}),  # progress_report, attachment_add, step_done
    "plan.take_snapshots": frozenset({A}),  # snapshot_take
    "plan.manage_facilities": frozenset({C, S, D, A}),  # home_*, station_*
    "plan.manage_projects": frozenset({D, A}),  # purchase_*, base village projects
    "plan.view_placements": frozenset({S, D, A, AU}),
    "plan.manage_placements": frozenset({S, D, A}),  # placement_start, placement_end
}

# What each ability lets one do, for the refusal message ("Your role may not …").
ABILITY_LABELS = {
    "registry.view_registry": _("read the registry"),
    "registry.view_full_id_number": _("see whole ID numbers"),
    "registry.import_households": _("import household rosters"),
    "registry.export_households": _("export households"),
    "registry.export_persons": _("export persons"),
    "registry.register_person": _("register persons"),
    "registry.update_person": _("change persons' details"),
    "registry.record_death": _("record deaths"),
    "registry.manage_households": _("create households or change their members"),
    "registry.manage_enrolments": _("enrol persons in recipient categories or end enrolments"),
    "verification.view_verification": _("see verification data"),
    "verification.operate_verification": _("run verifications"),
    "verification.import_findings": _("import batch findings"),
    "verification.view_access_log": _("read the access log"),
    "verification.view_coverage": _("see verification coverage"),
    "accounts.view_account_changes": _("read the account changes"),
    "cases.view_cases": _("see cases"),
    "cases.accept_application": _("accept applications"),
    "cases.investigate": _("investigate cases"),
    "cases.propose": _("make proposals on cases"),
    "cases.publish_notice": _("post and close public notices"),
    "cases.record_objection": _("record objections"),
    "cases.answer_objection": _("answer objections"),
    "cases.decide": _("decide cases"),
    "cases.reinvestigate": _("send cases back to the investigation"),
    "cases.extend_deadline": _("extend a case's time limit"),
    "cases.withdraw": _("withdraw applications"),
    "cases.grant_emergency": _("grant emergency aid"),
    "cases.run_monthly": _("run the monthly casework jobs"),
    "cases.confirm_lists": _("confirm proposed lists"),
    "cases.open_review": _("open reviews"),
    "cases.decide_review": _("decide reviews"),
    "cases.record_grievance": _("record complaints and reconsideration requests"),
    "cases.answer_grievance": _("answer complaints and reconsideration requests"),
    "funds.view_funds": _("see the fund statements and the journal"),
    "funds.manage_budgets": _("manage budgets"),
    "funds.record_income": _("record fund income"),
    "funds.override_budget": _("override a budget"),
    "funds.export_ledger": _("export the books"),
    "payments.see_payrolls": _("see payrolls"),
    "payments.prepare_payroll": _("prepare payrolls"),
    "payments.manage_bank_accounts": _("change recipients' bank accounts"),
    "payments.send_bank_files": _("make bank files"),
    "payments.import_bank_results": _("import bank result files"),
    "payments.check_payroll": _("check payrolls"),
    "payments.approve_payroll": _("approve payrolls"),
    "payments.close_payroll": _("close payrolls"),
    "payments.view_recoveries": _("see recoveries of overpayments"),
    "payments.write_off_recovery": _("write off recoveries"),
    "payments.record_refund": _("record money returned after payment"),
    "institutions.view_institutions": _("see institutions"),
    "institutions.manage_institutions": _("register institutions and manage their API keys"),
    "medical.view_settlements": _("see medical assistance settlements"),
    "medical.view_statements": _("see hospitals' statements"),
    "medical.make_statements": _("make hospitals' monthly statements"),
    "medical.send_reimbursements": _("send hospitals' reimbursements to the bank"),
    "disaster.view_disaster": _("see disaster relief"),
    "disaster.manage_events": _("declare disaster events"),
    "disaster.register_damage": _("register affected households"),
    "disaster.manage_shelters": _("run shelters"),
    "disaster.grant_living_aid": _("grant transitional living aid"),
    "disaster.record_progress": _("record construction progress"),
    "disaster.inspect_housing": _("inspect rebuilt housing"),
    "funerals.view_deaths": _("see reported deaths"),
    "funerals.confirm_deaths": _("confirm or reject reported deaths"),
    "funerals.reimburse_homes": _("reimburse funeral homes"),
    "policy.view_parameter_changes": _("see parameter changes"),
    "policy.propose_parameter_change": _("propose parameter changes"),
    "policy.approve_parameter_change": _("approve parameter changes"),
    "policy.run_whatif": _("try a proposed change on the whole city"),
    "policy.view_whatif": _("see what-if results"),
    "policy.view_price_indices": _("see price indices"),
    "policy.enter_price_indices": _("enter price indices"),
    "policy.view_policy_audit": _("read the policy audit trail"),
    "eldercare_emergency.view_emergencies": _("see one-key emergencies"),
    "eldercare_emergency.handle_emergencies": _("open, assign and close emergencies"),
    "eldercare_emergency.manage_devices": _("register alarm devices"),
    "plan.view_plan": _("see the plan's targets, tasks and facilities"),
    "plan.manage_tasks": _("manage the plan's tasks"),
    "plan.report_progress": _("report progress on the plan's tasks"),
    "plan.take_snapshots": _("take the plan's monthly snapshots"),
    "plan.manage_facilities": _("keep the registry of facilities"),
    "plan.manage_projects": _("manage purchased services and base-village projects"),
    "plan.view_placements": _("see who lives in which care institution"),
    "plan.manage_placements": _("record care placements"),
}

# 12349 elderly care (ADR 1200): its abilities are kept beside the app and merged here.
from safetynet.eldercare.abilities import ABILITIES as _ELDERCARE  # noqa: E402
from safetynet.eldercare.abilities import ABILITY_LABELS as _ELDERCARE_LABELS  # noqa: E402

ABILITIES.update(_ELDERCARE)
ABILITY_LABELS.update(_ELDERCARE_LABELS)

NOT_PERMITTED = "not_permitted"


class NotPermittedError(ServiceError):
    """The actor's role may not do this (whatever the record). Code ``not_permitted``."""

    def __init__(self, ability: str, role: str | None = None):
        self.ability = ability
        role_label = Role(role).label if role in Role.values else _("no role")
        what = ABILITY_LABELS.get(ability, ability)
        message = _("Your role (%(role)s) may not %(what)s.") % {"role": role_label, "what": what}
        super().__init__(NOT_PERMITTED, str(message))


def role_may(role: str | None, ability: str) -> bool:
    """The table itself: whether `role` has `ability` (no jurisdiction, no superuser)."""
    return role in ABILITIES[ability]


def require(actor, ability: str, obj=None) -> None:
    """Raise NotPermittedError unless `actor` has `ability` (on `obj`, when given).

    Asks `actor.has_perm`, the very check views and templates make, so every caller gets one
    answer. An unknown ability is a programming error (KeyError), never a silent refusal."""
    if ability not in ABILITIES:
        raise KeyError(f"unknown ability {ability!r}")
    if actor is None or not actor.has_perm(ability, obj):
        raise NotPermittedError(ability, getattr(actor, "role", None))


def abilities_of(user) -> list[str]:
    """Every ability the user has (in general), in the map's order: `/api/me/` lists them."""
    return [name for name in ABILITIES if user.has_perm(name)]
