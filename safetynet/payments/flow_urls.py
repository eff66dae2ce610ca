"""Payroll and recovery pages, included by the project at `payments/`."""

from django.urls import path

from . import flow_views as v

app_name = "payments"

urlpatterns = [
    path("", v.payroll_list, name="payrolls"),
    path("<int:payroll_id>/", v.payroll_detail, name="payroll"),
    path("<int:payroll_id>/check/", v.payroll_check_view, name="check"),
    path("<int:payroll_id>/approve/", v.payroll_approve_view, name="approve"),
    path("<int:payroll_id>/send-back/", v.payroll_send_back_view, name="send-back"),
    path("<int:payroll_id>/reconcile/", v.payroll_reconcile_view, name="reconcile"),
    path("<int:payroll_id>/close/", v.payroll_close_view, name="close"),
    path("recoveries/", v.recovery_list, name="recoveries"),
    path("recoveries/<int:recovery_id>/write-off/", v.recovery_write_off_view, name="write-off"),
    path("recoveries/<int:recovery_id>/repayment/", v.recovery_repayment_view, name="repayment"),
]
