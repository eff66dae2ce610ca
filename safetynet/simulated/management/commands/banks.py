"""`safetynet banks`: the simulated banks answering the bureau's payment files.

safetynet banks serve  [--city DIR] [--host 127.0.0.1] [--port 8702] [--failure-rate 0.01] ...
safetynet banks answer [--city DIR] --file PAYMENT_FILE --out DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safetynet.payments.bank_format import BankFileFormatError
from safetynet.simulated.banks.bank import BankBehaviour, SimulatedBank, load_faults
from safetynet.simulated.banks.server import BankServer, answer_payment_file


def _rate(text: str) -> float:
    """A share 0..1; anything else is a usage error (exit 2, the option named by argparse)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a rate is between 0 and 1, not {text}")
    return value


class Command(BaseCommand):
    help = (
        "The simulated banks (docs/bank-files.md): `serve` answers payment files over HTTP; "
        "`answer` writes the result files for one payment file. Deterministic for a seed."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{serve,answer}")

        def common(p):
            p.add_argument(
                "--city",
                type=Path,
                default=None,
                help="the generated city (its ground_truth/bank_faults.parquet: closed accounts, "
                "wrong names); without it only random failures",
            )
            p.add_argument(
                "--failure-rate",
                type=_rate,
                default=0.01,
                help="share of lines failing at random (default 0.01)",
            )
            p.add_argument(
                "--late-rate",
                type=_rate,
                default=0.05,
                help="share of lines answered in a later result file (default 0.05)",
            )
            p.add_argument(
                "--technical-rate",
                type=_rate,
                default=0.0,
                help="share of lines failing for the bank's technical reasons (bank_technical, "
                "timeout: sent again unchanged; default 0)",
            )
            p.add_argument(
                "--return-rate",
                type=_rate,
                default=0.0,
                help="share of paid lines returned afterwards, in a last result file (outcome "
                "returned; default 0)",
            )
            p.add_argument("--seed", type=int, default=0, help="seed of the draws (default 0)")

        serve = sub.add_parser("serve", help="answer payment files over HTTP until Ctrl-C")
        common(serve)
        serve.add_argument("--host", default="127.0.0.1", help="address (default loopback)")
        serve.add_argument("--port", type=int, default=8702, help="port (default 8702; 0: any)")
        answer = sub.add_parser("answer", help="write the result files for one payment file")
        common(answer)
        answer.add_argument("--file", required=True, type=Path, help="the payment file")
        answer.add_argument("--out", required=True, type=Path, help="directory for result files")

    def _bank(self, opts) -> SimulatedBank:
        try:
            faults = load_faults(opts["city"])
        except (FileNotFoundError, OSError) as exc:
            raise CommandError(f"--city: {exc}", returncode=2) from None
        return SimulatedBank(
            faults,
            BankBehaviour(
                failure_rate=opts["failure_rate"],
                late_rate=opts["late_rate"],
                technical_rate=opts["technical_rate"],
                return_rate=opts["return_rate"],
                seed=opts["seed"],
            ),
        )

    def handle(self, *args, **opts):
        if opts["action"] == "serve":
            try:
                server = BankServer(self._bank(opts), host=opts["host"], port=opts["port"])
            except OSError as exc:
                raise CommandError(
                    f"cannot listen on {opts['host']}:{opts['port']}: {exc}"
                ) from None
            self.stdout.write(server.url)
            self.stdout.flush()
            try:
                server.serve_forever()
            except KeyboardInterrupt:
                self.stderr.write("stopped")
            return
        try:
            content = opts["file"].read_bytes()
        except OSError as exc:
            raise CommandError(f"--file: {exc}", returncode=2) from None
        try:
            files = answer_payment_file(self._bank(opts), content)
        except BankFileFormatError as exc:
            raise CommandError(f"--file {opts['file']}: {exc}", returncode=2) from None
        opts["out"].mkdir(parents=True, exist_ok=True)
        for name, data, lines in files:
            (opts["out"] / name).write_bytes(data)
            self.stdout.write(f"{opts['out'] / name}: {lines} line(s)")
