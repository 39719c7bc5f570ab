"""Every package has its own catalogue, but Flask-Babel merges them into one `messages` domain: a msgid
translated two ways would show whichever catalogue loads last. So each msgid has one Vietnamese text."""

from __future__ import annotations

from collections import defaultdict

from babel.messages.pofile import read_po

from signage.config import PROJECT_ROOT


def test_no_msgid_is_translated_two_ways_across_the_packages():
    texts: dict[str, dict[str, str]] = defaultdict(dict)
    for path in sorted(PROJECT_ROOT.glob("*/translations/vi/LC_MESSAGES/messages.po")):
        with path.open("rb") as handle:
            for message in read_po(handle):
                msgid = message.id if isinstance(message.id, str) else message.id[0]
                text = message.string if isinstance(message.string, str) else message.string[0]
                if msgid and text and not message.fuzzy:
                    texts[msgid][path.parts[-5]] = text
    conflicts = {msgid: by_package for msgid, by_package in texts.items() if len(set(by_package.values())) > 1}
    assert conflicts == {}
