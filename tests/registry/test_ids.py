import datetime as dt

import pytest

from safetynet.registry.ids import IdNumberError, mask_id_number, parse_id_number

VALID_MALE = "35020319900101123X"


def test_valid_number_gives_birth_date_sex_and_region():
    facts = parse_id_number(VALID_MALE.lower())
    assert facts.number == VALID_MALE
    assert facts.birth_date == dt.date(1990, 1, 1)
    assert facts.sex == "M"
    assert facts.region_code == "350203"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("3502031990010112", "id_length"),
        ("35020319900101123Y", "id_format"),
        ("350203199013011234", "id_birth_date"),
        ("350203199001011231", "id_checksum"),
        ("999999199001011238", "id_region"),
    ],
)
def test_invalid_numbers_say_what_is_wrong(value, code):
    with pytest.raises(IdNumberError) as err:
        parse_id_number(value)
    assert err.value.code == code


def test_birth_date_in_the_future_is_refused():
    with pytest.raises(IdNumberError) as err:
        parse_id_number(VALID_MALE, today=dt.date(1989, 12, 31))
    assert err.value.code == "id_birth_date"


def test_mask_keeps_region_and_last_four():
    assert mask_id_number(VALID_MALE) == "350203********123X"


def test_region_codes_newer_than_the_birth_year_are_accepted():
    # 思明区 (350203) exists since 1983; a person born in 1950 there holds such a number.
    number = "35020319500101123"
    from stdnum.cn import ric

    number += ric.calc_check_digit(number + "0")
    assert parse_id_number(number).birth_date == dt.date(1950, 1, 1)
