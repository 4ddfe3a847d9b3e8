"""Sealing with the keys of SLACKAPP_ENCRYPTION_KEY (the fast layer): what an operator reads when a
key is missing or wrong, and which keys open what."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from slackapp.installs.secrets import Sealer, SealError, check_keys, keys_in

pytestmark = pytest.mark.fast

NO_KEY_OPENS = "a sealed value could not be opened with any key in SLACKAPP_ENCRYPTION_KEY"


def test_keys_are_listed_newest_first_without_blanks():
    assert keys_in(" a , b,,c ,") == ["a", "b", "c"]
    assert keys_in(" , ") == []


def test_a_list_of_no_keys_is_said_so():
    with pytest.raises(ValueError) as none:
        check_keys(" , ,")
    assert str(none.value) == "lists no key (only commas and spaces); give Fernet keys separated by commas, newest first"


def test_a_bad_key_is_named_by_its_place_and_the_way_to_make_one_is_given():
    good = Fernet.generate_key().decode()
    check_keys(f"{good}, {Fernet.generate_key().decode()}")
    with pytest.raises(ValueError) as bad:
        check_keys(f"{good},not-a-key")
    assert str(bad.value) == (
        "key 2 is not a Fernet key (32 url-safe base64-encoded bytes); make one with "
        '`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
    )
    assert "not-a-key" not in str(bad.value)


@pytest.mark.parametrize("keys", ["", " , "])
def test_a_sealer_needs_a_key(keys):
    with pytest.raises(ValueError) as refused:
        Sealer(keys)
    assert str(refused.value) == "no encryption key given"


def test_what_no_key_opens_is_said_without_the_value():
    sealed = Sealer(Fernet.generate_key().decode()).seal("xoxb-kept-secret")
    other = Sealer(Fernet.generate_key().decode())
    assert other.opens(sealed) is False
    with pytest.raises(SealError) as opening:
        other.open(sealed)
    assert str(opening.value) == NO_KEY_OPENS
    with pytest.raises(SealError) as resealing:
        other.reseal(sealed)
    assert str(resealing.value) == NO_KEY_OPENS


def test_every_listed_key_opens_and_the_first_seals():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    both = Sealer(f" {new} , {old} ")
    from_old = Sealer(old).seal("xoxb-a")
    assert both.opens(from_old) is True and both.open(from_old) == "xoxb-a"
    assert Sealer(new).opens(both.seal("xoxb-b")) is True
    assert Sealer(old).opens(both.seal("xoxb-b")) is False
