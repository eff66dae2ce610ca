"""`safetynet emergency`: one-key alarm devices and open emergencies (docs/eldercare-emergency.md).

- `device-register --person ID_NUMBER --device-id ID --as USER`: register an alarm device to an
  elderly person (60+) in USER's jurisdiction; prints the device's key once (only its hash is
  stored).
- `device-deactivate DEVICE_ID --as USER`: the device's signals are refused from now on.
- `open --as USER`: the open emergencies in USER's jurisdiction, overdue ones marked.

Bad input or a refusal: exit 2 with the code and message.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safetynet.payments.cli_common import actor_named, fail


class Command(BaseCommand):
    help = "One-key emergencies: register or deactivate alarm devices; list open emergencies."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("device-register", help="register an alarm device (key printed once)")
        r.add_argument("--person", required=True, help="the person's resident ID number")
        r.add_argument("--device-id", required=True)
        r.add_argument("--as", dest="username", required=True)
        d = sub.add_parser("device-deactivate", help="refuse a device's signals from now on")
        d.add_argument("device_id")
        d.add_argument("--as", dest="username", required=True)
        o = sub.add_parser("open", help="the open emergencies, overdue ones marked")
        o.add_argument("--as", dest="username", required=True)

    def handle(self, *args, action: str, **o):
        from safetynet.core.errors import ServiceError
        from safetynet.eldercare.emergency import selectors, services
        from safetynet.registry.models import Person

        actor = actor_named(o["username"])
        try:
            if action == "device-register":
                person = Person.objects.filter(id_number=o["person"].strip().upper()).first()
                if person is None:
                    raise fail("--person: no person with this ID number in your jurisdiction")
                out = services.device_register(
                    actor=actor, person_id=person.pk, device_id=o["device_id"]
                )
                self.stdout.write(f"{out.device.device_id}\t{person.name}\t{out.key}")
            elif action == "device-deactivate":
                services.device_deactivate(actor=actor, device_id=o["device_id"])
                self.stdout.write(f"{o['device_id']}\tdeactivated")
            else:
                feed = selectors.feed(actor=actor)
                for i in feed["items"]:
                    flag = "OVERDUE" if i["overdue"] else ""
                    self.stdout.write(
                        f"{i['number']}\t{i['status']}\t{i['person']}\t{i['opened_at']}\t"
                        f"{i['minutes']} min\t{i['responder'] or '-'}\t{flag}".rstrip()
                    )
                self.stdout.write(f"open {feed['open']}, overdue {feed['overdue']}")
        except ServiceError as exc:
            if exc.code == "not_found":
                what = "--person" if action == "device-register" else "DEVICE_ID"
                raise fail(f"{what}: not found in your jurisdiction") from None
            raise fail(f"{exc.code}: {exc.message}") from None
