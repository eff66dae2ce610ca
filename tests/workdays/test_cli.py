"""`safetynet calendar ...`: output, and exit code 2 with the argument named on bad input."""

import subprocess
import sys
from pathlib import Path

import pytest

from safetynet.workdays import load_calendar
from safetynet.workdays.cli import main

LAST = load_calendar("/nonexistent").known_years()[-1]
NEXT = LAST + 1
ROOT = Path(__file__).parents[2]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_add_workdays(capsys):
    assert run(capsys, "add-workdays", "2025-09-26", "15") == (0, "2025-10-23\n", "")
    assert run(capsys, "add-workdays", "2024-02-08", "2") == (0, "2024-02-18\n", "")
    assert run(capsys, "add-workdays", "2026-10-03", "0") == (0, "2026-10-03\n", "")


def test_workdays(capsys):
    assert run(capsys, "workdays", "2025-09-26", "2025-10-11") == (0, "6\n", "")
    assert run(capsys, "workdays", "2025-10-11", "2025-09-26") == (0, "-6\n", "")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["add-workdays", "2025-02-30", "3"], "argument DATE: '2025-02-30' is not a date"),
        (["add-workdays", "25-1-1", "3"], "argument DATE:"),
        (["add-workdays", "2025-W01-1", "3"], "argument DATE: '2025-W01-1' is not a date"),
        (["add-workdays", "20250101", "3"], "argument DATE:"),
        (["add-workdays", "2025-01-01", "-1"], "argument N: -1 is negative"),
        (["add-workdays", "2025-01-01", "three"], "argument N: 'three' is not a whole number"),
        (
            ["add-workdays", f"{NEXT}-01-04", "1"],
            f"error: DATE: the working-day calendar of {NEXT}",
        ),
        (["add-workdays", f"{LAST}-12-20", "15"], f"error: N: 15 working days after {LAST}-12-20"),
        (["workdays", "2025-01-01", "2025-13-01"], "argument DATE2:"),
        (["workdays", f"{NEXT}-01-01", "2025-01-01"], "error: DATE1: the working-day calendar"),
        (["workdays", "2025-01-01", f"{NEXT}-03-01"], "error: DATE2: the working-day calendar"),
        (["add-workdays", "2025-01-01"], "the following arguments are required: N"),
        (["nonsense"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_input_exit_2_naming_the_argument(capsys, argv, named):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert named in err


def test_years_lists_sources(capsys, tmp_path):
    code, out, _ = run(capsys, "years")
    assert code == 0
    assert f"{LAST}\tchinesecalendar\n" in out and "2004\tchinesecalendar" in out
    (tmp_path / f"{NEXT}.yaml").write_text(
        f"year: {NEXT}\nreference: 通知（测试）\nholidays:\n"
        f"  - {{name: 元旦, from: {NEXT}-01-01}}\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "--calendar-dir", str(tmp_path), "years")
    assert code == 0
    assert f"{NEXT}\t{tmp_path / f'{NEXT}.yaml'} (通知（测试）)" in out
    # and the new year now counts
    code, out, _ = run(
        capsys, "--calendar-dir", str(tmp_path), "add-workdays", f"{LAST}-12-31", "1"
    )
    assert code == 0 and out.startswith(f"{NEXT}-01-0")


def test_check(capsys, tmp_path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "year: 2027\nreference: x\nholidays:\n  - {name: 春节, from: 2027-02-06, to: 2027-02-14}\n"
        "workdays:\n  - {date: 2027-02-20}\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "check", str(good))
    assert code == 0 and err == ""
    assert "OK — 2027: 9 holiday days (5 on weekdays), 1 adjusted working days (2027-02-20)" in out
    bad = tmp_path / "bad.yaml"
    bad.write_text("year: 2027\nreference: x\nholidays:\n  - {name: a, from: 2027-1-5}\n", "utf-8")
    code, out, err = run(capsys, "check", str(bad))
    assert code == 2 and out == ""
    assert f"error: FILE: {bad}:4: holidays[0].from: '2027-1-5' is not a date YYYY-MM-DD" in err
    code, _, err = run(capsys, "check", str(tmp_path / "absent.yaml"))
    assert code == 2 and "cannot read" in err


def test_bad_file_in_the_folder_refuses_every_question(capsys, tmp_path):
    (tmp_path / "2027.yaml").write_text("year: 2027\n", encoding="utf-8")
    code, out, err = run(capsys, "--calendar-dir", str(tmp_path), "add-workdays", "2025-01-02", "1")
    assert code == 2 and out == ""
    assert "2027.yaml:1: missing 'reference'" in err


def test_through_the_safetynet_command(no_bureau_files):
    exe = Path(sys.executable).parent / "safetynet"
    ok = subprocess.run(
        [exe, "calendar", "add-workdays", "2026-09-30", "3"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert (ok.returncode, ok.stdout) == (0, "2026-10-10\n"), ok.stderr
    bad = subprocess.run(
        [exe, "calendar", "workdays", "2026-09-30", "2026-9-31"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert bad.returncode == 2
    assert "argument DATE2: '2026-9-31' is not a date YYYY-MM-DD" in bad.stderr
