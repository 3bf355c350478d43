import datetime as dt

import pytest

from wardens.idnumber import (
    IdNumberError,
    check_character,
    normalise_id_number,
    parse_id_number,
)
from wardens.masking import mask_bank_account, mask_id_number, mask_phone


@pytest.mark.parametrize(
    "number, birth, sex",
    [
        ("11010519491231002X", dt.date(1949, 12, 31), "F"),
        ("440524188001010014", dt.date(1880, 1, 1), "M"),
    ],
)
def test_examples_from_the_standard(number, birth, sex):
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == sex


def test_full_width_digits_and_lower_case_x_are_normalised():
    assert normalise_id_number(" １１０１０５１９４９１２３１００２ｘ ") == "11010519491231002X"
    assert parse_id_number("11010519491231002x").number == "11010519491231002X"
    assert parse_id_number("１１０１０５１９４９１２３１００２Ｘ").number == "11010519491231002X"


def test_a_false_date_is_named():
    first17 = "34150319810230001"  # 30 February
    with pytest.raises(IdNumberError, match="19810230"):
        parse_id_number(first17 + check_character(first17))


def test_a_birth_date_in_the_future_is_refused():
    first17 = "34150320990101001"
    with pytest.raises(IdNumberError, match="future"):
        parse_id_number(first17 + check_character(first17), today=dt.date(2026, 11, 28))


@pytest.mark.parametrize("raw, fault", [("1101051949123100", "18 characters"), ("11010519491231002XX", "18 characters"),
                                        ("1101051949123100AX", "digits")])
def test_length_and_characters(raw, fault):
    with pytest.raises(IdNumberError, match=fault):
        parse_id_number(raw)


def test_every_single_digit_change_is_caught():
    """GB 11643's check character catches every single-character error."""
    number = "11010519491231002X"
    caught = 0
    for position in range(18):
        for replacement in "0123456789X":
            if replacement == number[position] or (replacement == "X" and position < 17):
                continue
            changed = number[:position] + replacement + number[position + 1 :]
            with pytest.raises(IdNumberError):
                parse_id_number(changed)
            caught += 1
    assert caught == 17 * 9 + 10


def test_check_character_message_does_not_name_a_correction():
    """Naming the character that would pass invites changing the last digit and storing a wrong ID."""
    with pytest.raises(IdNumberError) as refused:
        parse_id_number("110105194912310021")
    assert "a digit is likely mistyped" in str(refused.value) and "X" not in str(refused.value)


def test_masks():
    assert mask_id_number("340123199001011234") == "3401**********1234"
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number(None) == "" and mask_phone("") == ""
    assert mask_bank_account("6230889842793030591") == "***************0591"
