"""dixie_infra.redaction, the one redactor every tool's output goes through, tested directly."""

from __future__ import annotations

import pytest

from dixie_infra.redaction import MASK, neutralise, redact, safe, shorten


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("postgresql://dixie:hunter2@db:5432/dixie", f"postgresql://dixie:{MASK}@db:5432/dixie"),
        ("rediss://:tok3n@cache:6379", f"rediss://:{MASK}@cache:6379"),
        # an unencoded '@' in the password must not leave its tail showing
        ("postgresql://u:p@ss@w0rd@db/x", f"postgresql://u:{MASK}@db/x"),
        ("see https://ghp_abc123@github.com/o/r", f"see https://{MASK}@github.com/o/r"),
        ("host=db password=hunter2 user=x", f"host=db password={MASK} user=x"),
        ("password = 'it\\'s quoted' port=5", f"password = {MASK} port=5"),
        ("PGPASSWORD=hunter2", f"PGPASSWORD={MASK}"),
        ('{"password": "hunter2", "user": "x"}', f'{{"password": {MASK}, "user": "x"}}'),
        ("passwd: hunter2", f"passwd: {MASK}"),
        ("Password=hunter2;Host=db", f"Password={MASK};Host=db"),
        ("postgresql://dixie@db/dixie", "postgresql://dixie@db/dixie"),
        ("no secrets here", "no secrets here"),
    ],
)
def test_password_patterns_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_known_secrets_are_masked_also_when_percent_encoded() -> None:
    secret = "p@ss/w:rd"
    text = f"raw {secret} quoted p%40ss%2Fw%3Ard plus p%40ss%2Fw%3Ard"
    assert redact(text, [secret, None, ""]) == f"raw {MASK} quoted {MASK} plus {MASK}"


def test_the_longest_secret_is_masked_first() -> None:
    assert redact("abc abcdef", ["abc", "abcdef"]) == f"{MASK} {MASK}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\x1b[2J\x1b]0;pwned\x07ok", "\\x1b[2J\\x1b]0;pwned\\x07ok"),
        ("one\nline\r", "one\\x0aline\\x0d"),
        ("csi \x9b31m", "csi \\x9b31m"),
        ("bidi \u202egnp.exe", "bidi \\u202egnp.exe"),
        ("plain [bold]markup[/] stays text", "plain [bold]markup[/] stays text"),
    ],
)
def test_control_characters_are_shown_not_obeyed(text: str, expected: str) -> None:
    assert neutralise(text) == expected


def test_newlines_may_be_kept_for_multi_line_cells() -> None:
    assert neutralise("a\nb\x1b", keep_newlines=True) == "a\nb\\x1b"


def test_safe_redacts_then_neutralises() -> None:
    assert safe("postgresql://u:pw@h/d\x1b[0m", ["zzz"]) == f"postgresql://u:{MASK}@h/d\\x1b[0m"


def test_shorten_says_how_much_was_left_out() -> None:
    assert shorten("x" * 90, 80) == "x" * 80 + "... (10 more characters)"
    assert shorten("short") == "short"
