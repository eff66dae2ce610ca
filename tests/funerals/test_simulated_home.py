"""The simulated funeral home over real HTTP (live server): it records deaths with its key,
replays some and sends some bad records, and counts each answer's code."""

import datetime as dt

import pytest

from safetynet.funerals.models import FuneralService
from safetynet.simulated.funeral_homes import (
    FuneralHomeBehaviour,
    FuneralHomeClient,
    simulate,
)
from tests.helpers.institutions import issue_key, make_institution

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_simulated_home_records_replays_and_gets_stable_errors(live_server, registry, users):
    home = make_institution("F350203001", "funeral_home", name="厦门市殡仪馆")
    client = FuneralHomeClient(live_server.url, issue_key(home))
    deceased = [
        (registry.zhang_wei.id_number, dt.date(2024, 3, 5)),
        (registry.wang_fang.id_number, dt.date(2024, 3, 9)),
    ]
    # every record replayed once, and once reused for another content
    behaviour = FuneralHomeBehaviour(replay_rate=1.0, conflict_rate=1.0, sea_burial_rate=0.0)
    counts = simulate(client, deceased, behaviour)
    assert counts["waived"] == 4  # two records, each answered twice (the replay)
    assert counts["replayed"] == 2
    assert counts["record_number_conflict"] == 2
    assert FuneralService.objects.count() == 2
    status, answer = client.get("BZ000001")
    assert status == 200 and answer["waived_fen"] == 145_000
    bad = FuneralHomeClient(live_server.url, "snk_nope_nope")
    assert bad.record({})[0] == 401
    mistyped = simulate(
        client, [(registry.zhang_xiaoming.id_number, dt.date(2024, 3, 9))],
        FuneralHomeBehaviour(malformed_rate=1.0), prefix="X",
    )  # fmt: skip
    assert mistyped == {"id_number_invalid": 1}
