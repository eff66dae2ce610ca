import pytest

from safetynet.workdays import default_calendar


@pytest.fixture(autouse=True)
def no_bureau_files(tmp_path_factory, monkeypatch):
    """Every test starts from the package alone: an empty calendar folder, a fresh cache."""
    folder = tmp_path_factory.mktemp("calendar")
    monkeypatch.setenv("SAFETYNET_CALENDAR_DIR", str(folder))
    default_calendar.cache_clear()
    yield folder
    default_calendar.cache_clear()
