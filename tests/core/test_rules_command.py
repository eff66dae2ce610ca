"""`safetynet rules ...` reaches the rules engine's command line and keeps its exit codes."""

import json
from pathlib import Path

import pytest

from safetynet.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "rules"


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_:
        main(["rules", *args])
    out, err = capsys.readouterr()
    return exit_.value.code, out, err


def test_calculate_prints_json_results(capsys):
    code, out, _ = run(
        capsys, "calculate", str(EXAMPLES / "dibao-two-persons.json"), "--month", "2020-01"
    )
    assert code == 0
    result = json.loads(out)
    assert result["month"] == "2020-01"
    assert "dibao" in result["programs"]


def test_invalid_situation_exits_2_naming_the_field(capsys):
    code, _, err = run(capsys, "calculate", str(EXAMPLES / "invalid-id.json"), "--month", "2020-01")
    assert code == 2
    assert "persons[0].id_number" in err


def test_unknown_subcommand_exits_2(capsys):
    code, _, err = run(capsys, "simulate")
    assert code == 2
    assert "unknown subcommand" in err
