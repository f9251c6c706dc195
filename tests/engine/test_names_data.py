"""The names: ASCII normalisation, codes, and the deterministic stratified split."""

import pytest

from engine.data.names import (
    ALPHABET,
    PAD,
    VOCAB_SIZE,
    BadName,
    decode_name,
    encode_name,
    names_split,
    normalise_name,
    read_languages,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Dvořák", "dvorak"),
        ("Groß", "gross"),
        ("O’Brien", "o'brien"),
        ("  Van   der Berg ", "van der berg"),
        ("Nguyễn", "nguyen"),
        ("Marszałek", "marszalek"),
        ("Álvarez-Núñez", "alvarez-nunez"),
        ("Ｎａｋａｍｕｒａ", "nakamura"),  # full-width letters, as East Asian keyboards type them
        ("Ｏ’Ｂｒｉｅｎ　Ｓｍｉｔｈ", "o'brien smith"),  # and the full-width space
    ],
)
def test_normalise_to_ascii(raw: str, clean: str):
    assert normalise_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "msg"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("😀", "Latin letters"),
        ("Иванов", "Latin letters"),
        ("李", "Latin letters"),
        ("R2D2", "'2'"),
        ("Maxa/B", "'/'"),
    ],
)
def test_bad_names_say_why(raw: str, msg: str):
    with pytest.raises(BadName, match=msg):
        normalise_name(raw)


def test_codes_round_trip():
    assert VOCAB_SIZE == 30 and PAD == 0
    assert encode_name("ab z'-") == [1, 2, 27, 26, 28, 29]
    assert decode_name([1, 2, 0, 0]) == "ab"
    assert decode_name(list(range(1, VOCAB_SIZE))) == ALPHABET
    with pytest.raises(ValueError, match="alphabet"):
        encode_name("A")


def test_split_is_stratified_disjoint_and_deterministic():
    s = names_split()
    raw = read_languages()
    assert s.languages == sorted(raw) and len(s.languages) == 18
    assert s.lines == 20050 and s.dropped == 1  # "Maxa/B"
    assert s.protocol == "lines" and len(s.names) == 20049 and s.repeats == 2065
    train, held = set(s.train.tolist()), set(s.held_out.tolist())
    assert not train & held and len(train | held) == len(s.names)
    for k, (n_train, n_held) in enumerate(zip(s.counts("train"), s.counts("held_out"), strict=True)):
        total = n_train + n_held
        assert total == len(raw[s.languages[k]]) - (s.languages[k] == "Czech")  # "Maxa/B" is Czech
        assert n_train == round(2 * total / 3), s.languages[k]
    majority = max(s.counts("held_out")) / len(s.held_out)
    assert round(majority, 3) == 0.468  # always "Russian": the course's 47 %
    again = names_split.__wrapped__()
    assert again.train.tolist() == s.train.tolist() and again.held_out.tolist() == s.held_out.tolist()
    other = names_split.__wrapped__(seed=1)
    assert other.held_out.tolist() != s.held_out.tolist()


def test_the_distinct_protocol_keeps_each_name_once_per_language():
    s = names_split(protocol="distinct")
    pairs = list(zip(s.names, s.labels.tolist(), strict=True))
    assert len(set(pairs)) == len(pairs) == 20049 - 2065
    assert s.counts("train")[s.languages.index("Arabic")] + s.counts("held_out")[0] == 108
    with pytest.raises(ValueError, match="'raw'"):
        names_split(protocol="raw")


def test_places_find_every_line_of_a_name():
    split = names_split()
    for name in ("nguyen", "smith", "abel"):
        lines = [
            (lang, part)
            for part in ("train", "held_out")
            for i in getattr(split, part).tolist()
            if split.names[i] == name
            for lang in [split.languages[int(split.labels[i])]]
        ]
        assert split.places(name) == sorted(lines) and lines
    assert [lang for lang, _ in split.places("nguyen")] == ["Vietnamese"]
    assert split.places("zzyzx") == []
