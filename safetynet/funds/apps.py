from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "safetynet.funds"
    label = "funds"
    verbose_name = _("Funds and ledger")

    def ready(self) -> None:
        # The payroll approval asks the funds whether the budgets hold (ADR 0922).
        try:
            from safetynet.payments import approval
        except ImportError:
            return
        from .payments_hooks import approval_budget_check

        if approval_budget_check not in approval.BUDGET_CHECKS:
            approval.BUDGET_CHECKS.append(approval_budget_check)
