"""Bank pages, included by the project at `payments/banks/`."""

from django.urls import path

from . import bank_views as v

app_name = "payments-banks"

urlpatterns = [
    path("", v.bank_home, name="home"),
    path("payrolls/<int:payroll_id>/", v.bank_payroll, name="payroll"),
    path("payrolls/<int:payroll_id>/make/", v.bank_files_make_view, name="make"),
    path(
        "payrolls/<int:payroll_id>/reconciliation.xlsx",
        v.bank_reconciliation_export,
        name="reconciliation-xlsx",
    ),
    path(
        "payrolls/<int:payroll_id>/reconciliation.pdf",
        v.bank_reconciliation_pdf,
        name="reconciliation-pdf",
    ),
    path("payrolls/<int:payroll_id>/return/", v.bank_return_view, name="return"),
    path("files/<int:file_id>/download/", v.bank_file_download, name="download"),
    path("results/", v.bank_results_upload, name="results"),
    path("failed/", v.bank_failed, name="failed"),
    path("failed/<int:line_id>/fix/", v.bank_account_fix, name="fix"),
]
