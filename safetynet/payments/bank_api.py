"""Bank endpoints of the REST API (docs/api.md "Bank files"), scoped like the pages:

- `GET  /api/banks/payrolls/{id}/files/` — a payroll's bank files (finance office, auditor).
- `POST /api/banks/payrolls/{id}/files/` — `{"format": "xlsx"|"csv"}` make them (`bank_files_make`).
- `GET  /api/banks/files/{id}/download/` — one file's bytes (logged on the payroll's timeline).
- `POST /api/banks/results/` — `{"files": [{"name", "content_base64"}]}` import result files
  (`bank_results_import`), all or nothing.
- `GET  /api/banks/payrolls/{id}/reconciliation/` — sent, paid, failed, pending per bank.
- `GET  /api/banks/failed/` — failed lines awaiting a corrected account.
- `POST /api/banks/failed/{id}/account/` — fix the account of a failed line (`bank_account_set`).
- `POST /api/banks/returns/` — `{"reference", "on", "reason", "note"}` a paid line the bank
  returned (`refund_bank_return`, ADR 0943).
- `POST /api/banks/recoveries/{id}/repayments/` — `{"amount_fen", "on", "receipt", "note"}` a
  beneficiary's repayment of an overpayment (`refund_repayment`).

Errors: 400 `{"code", "message", "problems": [{"row", "field", "code", "message"}]}` naming the
file, row and field; 403 `not_permitted`; 404; 409 `{"code", "message"}` when the payroll is not
approved (files made already, or not yet approved)."""

from __future__ import annotations

import base64
import binascii

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from safetynet.api.base import JsonAPIView
from safetynet.api.errors import FieldError
from safetynet.cases.api import ErrorOut
from safetynet.core.errors import ServiceError

from . import bank_selectors as sel
from .api import _parsed  # one input parser for the payments API
from .bank_format import REASONS
from .bank_services import BANK_FILES_NOT_APPROVED, bank_files_make, bank_results_import
from .refunds import refund_bank_return, refund_repayment
from .services import bank_account_set

MAX_FILES = 40
MAX_BASE64_CHARS = 70 * 1024 * 1024

ERRORS = {
    400: OpenApiResponse(
        ErrorOut, description="Invalid input; the problems name file, row, field."
    ),
    401: OpenApiResponse(ErrorOut, description="Not signed in."),
    403: OpenApiResponse(ErrorOut, description="`not_permitted`: the role may not."),
    404: OpenApiResponse(ErrorOut, description="Not found in your jurisdiction."),
    409: OpenApiResponse(ErrorOut, description="The payroll is not approved."),
}


class FigureOut(serializers.Serializer):
    count = serializers.IntegerField()
    fen = serializers.IntegerField()


class BankFileOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    bank_code = serializers.CharField()
    bank_name = serializers.CharField()
    format = serializers.CharField()
    count = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    checksum = serializers.CharField(help_text="SHA-256 of the file")
    created_at = serializers.DateTimeField()


class MakeIn(serializers.Serializer):
    format = serializers.ChoiceField(choices=["xlsx", "csv"], default="xlsx")


class MadeOut(serializers.Serializer):
    files = BankFileOut(many=True)
    lines = serializers.IntegerField()
    total_fen = serializers.IntegerField()
    held_line_ids = serializers.ListField(child=serializers.IntegerField())
    resent = serializers.IntegerField(help_text="Earlier payrolls' lines sent again")


class ResultFileIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    content_base64 = serializers.CharField(max_length=MAX_BASE64_CHARS)


class ResultsIn(serializers.Serializer):
    files = ResultFileIn(many=True, allow_empty=False, max_length=MAX_FILES)


class ResultsOut(serializers.Serializer):
    files = serializers.ListField(child=serializers.CharField(), help_text="payment files answered")
    paid = serializers.IntegerField()
    failed = serializers.IntegerField()
    paid_fen = serializers.IntegerField()
    failed_fen = serializers.IntegerField()
    returned = serializers.IntegerField(help_text="paid lines the bank sent back (ADR 0951)")
    returned_fen = serializers.IntegerField()
    payrolls_complete = serializers.ListField(child=serializers.CharField())


class RecRowOut(serializers.Serializer):
    bank_code = serializers.CharField()
    bank_name = serializers.CharField()
    sent = FigureOut()
    paid = FigureOut()
    failed = FigureOut()
    pending = FigureOut()
    returned = FigureOut(help_text="Paid, then returned by the bank (sent again later).")


class ReconciliationOut(serializers.Serializer):
    payroll_id = serializers.IntegerField()
    month = serializers.CharField()
    banks = RecRowOut(many=True)
    total = RecRowOut()
    held = FigureOut()


class FailedOut(serializers.Serializer):
    line_id = serializers.IntegerField()
    person_id = serializers.IntegerField(source="line.person_id")
    person_name = serializers.CharField(source="line.person.name")
    program = serializers.CharField(source="line.program")
    benefit_month = serializers.CharField(source="line.benefit_month")
    amount_fen = serializers.IntegerField()
    bank_code = serializers.CharField(source="file.bank_code")
    account_last4 = serializers.SerializerMethodField()
    reason = serializers.CharField()
    result_date = serializers.DateField(allow_null=True)
    account_corrected = serializers.SerializerMethodField()

    def get_account_last4(self, e) -> str:
        return e.account_number[-4:]

    def get_account_corrected(self, e) -> bool:
        return e.current_account_id != e.bank_account_id


class AccountIn(serializers.Serializer):
    bank_code = serializers.CharField(max_length=16)
    bank_name = serializers.CharField(max_length=64)
    account_number = serializers.CharField(max_length=40)
    holder_name = serializers.CharField(max_length=64)


class AccountOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    bank_code = serializers.CharField()
    bank_name = serializers.CharField()
    account_last4 = serializers.SerializerMethodField()
    valid_from = serializers.DateField()

    def get_account_last4(self, a) -> str:
        return a.account_number[-4:]


class PayrollFilesView(JsonAPIView):
    serializer_class = MakeIn
    pagination_class = None

    @extend_schema(responses={200: BankFileOut(many=True), **ERRORS})
    def get(self, request, pk: int):
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=pk)
        return Response(
            BankFileOut(sel.bank_files_of(actor=request.user, payroll=payroll), many=True).data
        )

    @extend_schema(request=MakeIn, responses={201: MadeOut, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(MakeIn, request.data)
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=pk)
        try:
            report = bank_files_make(actor=request.user, payroll=payroll, fmt=d["format"])
        except ServiceError as exc:
            if exc.code == BANK_FILES_NOT_APPROVED:
                return Response(
                    {"code": exc.code, "message": str(exc.message)}, status=status.HTTP_409_CONFLICT
                )
            raise
        body = {
            "files": report.files,
            "lines": report.lines,
            "total_fen": report.total_fen,
            "held_line_ids": report.held,
            "resent": report.resent,
        }
        return Response(MadeOut(body).data, status=status.HTTP_201_CREATED)


class FileDownloadView(JsonAPIView):
    serializer_class = BankFileOut

    @extend_schema(
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request, pk: int):
        bf = sel.bank_file_download(actor=request.user, file_id=pk)
        with bf.file.open("rb") as fh:
            data = fh.read()
        response = HttpResponse(data, content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{bf.reference}.{bf.format}"'
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "no-store"
        return response


class ResultsView(JsonAPIView):
    serializer_class = ResultsIn

    @extend_schema(request=ResultsIn, responses={200: ResultsOut, **ERRORS})
    def post(self, request):
        d = _parsed(ResultsIn, request.data)
        files = []
        for i, f in enumerate(d["files"]):
            try:
                files.append((f["name"], base64.b64decode(f["content_base64"], validate=True)))
            except (binascii.Error, ValueError):
                raise FieldError(
                    code="invalid", field=f"files[{i}].content_base64", message="not base64"
                ) from None
        report = bank_results_import(actor=request.user, files=files)
        body = {
            "files": [rf.bank_file.reference for rf in report.files],
            "paid": report.paid,
            "failed": report.failed,
            "paid_fen": report.paid_fen,
            "failed_fen": report.failed_fen,
            "returned": report.returned,
            "returned_fen": report.returned_fen,
            "payrolls_complete": report.payrolls_complete,
        }
        return Response(ResultsOut(body).data)


class ReconciliationView(JsonAPIView):
    serializer_class = ReconciliationOut

    @extend_schema(responses={200: ReconciliationOut, **ERRORS})
    def get(self, request, pk: int):
        payroll = sel.bank_payroll_get(actor=request.user, payroll_id=pk)
        rec = sel.bank_reconciliation(actor=request.user, payroll=payroll)
        body = {
            "payroll_id": payroll.pk,
            "month": payroll.month,
            "banks": rec.banks,
            "total": rec.total,
            "held": rec.held,
        }
        return Response(ReconciliationOut(body).data)


class FailedView(JsonAPIView):
    serializer_class = FailedOut
    pagination_class = None  # at most 500, newest first

    @extend_schema(responses={200: FailedOut(many=True), **ERRORS})
    def get(self, request):
        return Response(FailedOut(sel.bank_failed_lines(actor=request.user), many=True).data)


class FixAccountView(JsonAPIView):
    serializer_class = AccountIn

    @extend_schema(request=AccountIn, responses={200: AccountOut, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(AccountIn, request.data)
        line = sel.payment_line_failed_get(actor=request.user, line_id=pk)
        account = bank_account_set(
            actor=request.user, person=line.person, on=timezone.localdate(), **d
        )
        return Response(AccountOut(account).data)


class ReturnIn(serializers.Serializer):
    reference = serializers.CharField(max_length=32, help_text="The line reference L<id>-<n>.")
    on = serializers.DateField(help_text="The day the bank returned the money.")
    reason = serializers.ChoiceField(choices=list(REASONS))
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RepaymentIn(serializers.Serializer):
    amount_fen = serializers.IntegerField(min_value=1)
    on = serializers.DateField(help_text="The day the money was received.")
    receipt = serializers.CharField(max_length=60, help_text="The receipt's number (once).")
    note = serializers.CharField(max_length=500, required=False, default="", allow_blank=True)


class RefundOut(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    kind = serializers.CharField()
    line_id = serializers.IntegerField()
    recovery_id = serializers.IntegerField(allow_null=True)
    amount_fen = serializers.IntegerField()
    received_on = serializers.DateField()
    reference = serializers.CharField()
    reason = serializers.CharField()


class BankReturnView(JsonAPIView):
    serializer_class = ReturnIn

    @extend_schema(request=ReturnIn, responses={201: RefundOut, **ERRORS})
    def post(self, request):
        d = _parsed(ReturnIn, request.data)
        refund = refund_bank_return(actor=request.user, **d)
        return Response(RefundOut(refund).data, status=status.HTTP_201_CREATED)


class RepaymentView(JsonAPIView):
    serializer_class = RepaymentIn

    @extend_schema(request=RepaymentIn, responses={201: RefundOut, **ERRORS})
    def post(self, request, pk: int):
        d = _parsed(RepaymentIn, request.data)
        refund = refund_repayment(actor=request.user, recovery_id=pk, **d)
        return Response(RefundOut(refund).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("payrolls/<int:pk>/files/", PayrollFilesView.as_view(), name="api-bank-files"),
    path(
        "payrolls/<int:pk>/reconciliation/",
        ReconciliationView.as_view(),
        name="api-bank-reconciliation",
    ),
    path("files/<int:pk>/download/", FileDownloadView.as_view(), name="api-bank-file-download"),
    path("results/", ResultsView.as_view(), name="api-bank-results"),
    path("failed/", FailedView.as_view(), name="api-bank-failed"),
    path("failed/<int:pk>/account/", FixAccountView.as_view(), name="api-bank-fix-account"),
    path("returns/", BankReturnView.as_view(), name="api-bank-returns"),
    path(
        "recoveries/<int:pk>/repayments/", RepaymentView.as_view(), name="api-recovery-repayments"
    ),
]
