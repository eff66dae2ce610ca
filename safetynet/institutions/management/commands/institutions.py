"""`safetynet institutions`: register institutions and manage their API keys (ADR 1100).

safetynet institutions create --code C --name N --kind hospital|funeral_home|provider
    --division CODE --bank-code B --bank-name BN --account-number A --account-holder H --as USER
safetynet institutions list [--kind KIND]
safetynet institutions key-issue CODE [--label TEXT] --as USER     (prints the key once)
safetynet institutions key-revoke PREFIX [--reason TEXT] --as USER
safetynet institutions keys CODE                                   (prefix, issued, last used)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from safetynet.core.errors import ServiceError

BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=BAD_INPUT)


def _actor(username: str):
    from safetynet.accounts.models import User

    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise _fail(f"--as: no active user {username!r}") from None


def _refusal(exc: ServiceError) -> CommandError:
    field = f" (field {exc.problems[0].field})" if exc.problems else ""
    return CommandError(
        f"[{exc.code}] {exc.message}{field}",
        returncode=1 if exc.code in {"not_permitted"} else BAD_INPUT,
    )


class Command(BaseCommand):
    help = (
        "Institutions calling the API (hospitals, funeral homes, care providers): `create`, "
        "`list`, `key-issue CODE` (the key is printed once and never stored), `key-revoke "
        "PREFIX`, `keys CODE` (issued, last used, revoked)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create", help="register an institution")
        for opt in [
            "code",
            "name",
            "kind",
            "division",
            "bank-code",
            "bank-name",
            "account-number",
            "account-holder",
        ]:
            c.add_argument(f"--{opt}", required=True)
        c.add_argument("--as", dest="username", required=True, help="the city administrator")
        ls = sub.add_parser("list", help="list institutions")
        ls.add_argument("--kind", default="")
        ki = sub.add_parser("key-issue", help="issue a new API key (printed once)")
        ki.add_argument("code")
        ki.add_argument("--label", default="")
        ki.add_argument("--as", dest="username", required=True)
        kr = sub.add_parser("key-revoke", help="revoke an API key by its prefix")
        kr.add_argument("prefix")
        kr.add_argument("--reason", default="")
        kr.add_argument("--as", dest="username", required=True)
        ks = sub.add_parser("keys", help="an institution's keys")
        ks.add_argument("code")

    def handle(self, *args, action: str, **opts):
        from safetynet.institutions import services
        from safetynet.institutions.models import ApiKey, Institution

        try:
            if action == "create":
                inst = services.institution_create(
                    actor=_actor(opts["username"]),
                    code=opts["code"],
                    name=opts["name"],
                    kind=opts["kind"],
                    division_code=opts["division"],
                    bank_code=opts["bank_code"],
                    bank_name=opts["bank_name"],
                    account_number=opts["account_number"],
                    account_holder=opts["account_holder"],
                )
                self.stdout.write(f"created {inst.kind} {inst.code} {inst.name}")
            elif action == "list":
                qs = Institution.objects.all()
                if opts["kind"]:
                    qs = qs.filter(kind=opts["kind"])
                for inst in qs:
                    state = "active" if inst.is_active else "inactive"
                    self.stdout.write(
                        f"{inst.code}\t{inst.kind}\t{inst.division_id}\t{state}\t{inst.name}"
                    )
            elif action == "key-issue":
                issued = services.api_key_issue(
                    actor=_actor(opts["username"]),
                    institution_code=opts["code"],
                    label=opts["label"],
                )
                self.stderr.write(
                    "The key is shown once; give it to the institution over a safe channel."
                )
                self.stdout.write(issued.key)
            elif action == "key-revoke":
                key = services.api_key_revoke(
                    actor=_actor(opts["username"]), prefix=opts["prefix"], reason=opts["reason"]
                )
                self.stdout.write(f"revoked {key.prefix} of {key.institution.code}")
            elif action == "keys":
                if not Institution.objects.filter(code=opts["code"]).exists():
                    raise _fail(f"no institution {opts['code']!r}")
                for key in ApiKey.objects.filter(institution__code=opts["code"]):
                    self.stdout.write(
                        f"{key.prefix}\t{key.label}\tissued {key.created_at:%Y-%m-%d %H:%M}\t"
                        f"last used {key.last_used_at or '-'}\t"
                        f"{'revoked ' + str(key.revoked_at) if key.revoked_at else 'valid'}"
                    )
        except ServiceError as exc:
            raise _refusal(exc) from None
