"""scripts.pgurl's refusals name the URL's source and the part that is wrong, never the URL: a
malformed URL can hold its password where no redactor looks for one.

The tools also mask the whole URL they were given; these call the parser itself, so that second
line of defence cannot hide a message that echoes the URL.
"""

from __future__ import annotations

import pytest

from scripts._cli import UsageError
from scripts.pgurl import parse_url

PASSWORD = "hunter2-Zq81"


@pytest.mark.parametrize(
    ("url", "says"),
    [
        pytest.param(f"postgresql://dixie:{PASSWORD}@db.example:99999/dixie", "bad host or port", id="port"),
        pytest.param(f"postgresql://dixie:{PASSWORD}@[db.example/dixie", "bad host or port", id="host"),
        pytest.param(f"mysql://dixie:{PASSWORD}@db.example/dixie", "has scheme 'mysql'", id="scheme"),
        pytest.param(f"postgresql://dixie:{PASSWORD}@db.example/dixie#x", "has a #fragment", id="fragment"),
        pytest.param(f"postgresql://dixie:{PASSWORD}@/dixie", "has no host", id="no-host"),
    ],
)
def test_a_malformed_url_is_refused_without_echoing_it(url: str, says: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_url(url, label="--database-url")
    message = str(refused.value)
    assert message.startswith("--database-url ") and says in message
    assert PASSWORD not in message and "db.example" not in message
