"""accounts.identity: the GB 11643 resident ID check and the mobile number check."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from accounts.identity import id_check_char, validate_mobile, validate_resident_id

# 411202 (三门峡市湖滨区) + 19900307 + sequence 123, worked by hand with the GB 11643 weights
# 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
#   4·7=28  1·9=9  1·10=10  2·5=10  0·8=0  2·4=8  1·2=2  9·1=9  9·6=54  0·3=0  0·7=0  3·9=27
#   0·10=0  7·5=35  1·8=8  2·4=8  3·2=6                                   sum = 214
#   214 mod 11 = 5  ->  "10X98765432"[5] = "7"
VALID_ID = "411202199003071237"

# 110105 (北京市朝阳区) + 19851215 + 103:
#   1·7=7  1·9=9  0·10=0  1·5=5  0·8=0  5·4=20  1·2=2  9·1=9  8·6=48  5·3=15  1·7=7  2·9=18
#   1·10=10  5·5=25  1·8=8  0·4=0  3·2=6                                  sum = 189
#   189 mod 11 = 2  ->  "10X98765432"[2] = "X"
VALID_ID_X = "11010519851215103X"


def _code(value: str) -> str:
    with pytest.raises(ValidationError) as exc:
        validate_resident_id(value)
    return exc.value.code


def test_check_char_matches_the_hand_worked_sums():
    assert id_check_char(VALID_ID[:17]) == "7"
    assert id_check_char(VALID_ID_X[:17]) == "X"


def test_valid_numbers_are_accepted_and_normalised():
    assert validate_resident_id(VALID_ID) == VALID_ID
    assert validate_resident_id(VALID_ID_X) == VALID_ID_X
    # A lower-case or full-width x, and spaces people type between groups, are accepted.
    assert validate_resident_id("110105 19851215 103x") == VALID_ID_X
    assert validate_resident_id("11010519851215103ｘ") == VALID_ID_X


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("41120219900307123", "id_length"),  # 17 digits: one missing
        ("4112021990030712377", "id_length"),
        ("", "id_length"),
        ("41120219900307A237", "id_format"),  # a letter inside the digits
        ("X11202199003071237", "id_format"),
        ("991202199003071230", "id_region"),  # 99 is no province
        ("410000199003071230", "id_region"),  # a province code with no city or county
        ("411202199002301230", "id_birth_date"),  # 30 February
        ("411202189912311230", "id_birth_date"),  # before 1900
        ("411202299901011230", "id_birth_date"),  # in the future
        ("411202199003071238", "id_checksum"),  # last character wrong
        ("411202199003071273", "id_checksum"),  # two digits swapped
    ],
)
def test_each_kind_of_mistake_is_reported_with_its_own_code(value, code):
    assert _code(value) == code


def test_messages_say_what_to_fix_in_the_users_language():
    with pytest.raises(ValidationError) as exc:
        validate_resident_id("41120219900307123")
    assert "18位" in exc.value.messages[0] and "17位" in exc.value.messages[0]
    with translation.override("en"):
        with pytest.raises(ValidationError) as exc:
            validate_resident_id("411202199002301230")
        message = exc.value.messages[0]
    assert "birth date" in message and "19900230" in message


@pytest.mark.parametrize("value", ["13912345678", "+86 139 1234 5678", "139-1234-5678", "0086 19912345678"])
def test_mainland_mobile_numbers_are_accepted(value):
    assert len(validate_mobile(value)) == 11


@pytest.mark.parametrize("value", ["1391234567", "23912345678", "12912345678", "0371-12345678", "phone"])
def test_other_numbers_are_refused(value):
    with pytest.raises(ValidationError) as exc:
        validate_mobile(value)
    assert exc.value.code == "mobile"
