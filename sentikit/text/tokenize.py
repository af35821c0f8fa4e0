"""Tokenization: words (Cyrillic/Latin letters, digits, in-word hyphens and apostrophes), emoticons, emoji,
placeholders, and character units of 1-3 characters.
"""

from __future__ import annotations

import re

# Order matters: placeholders and emoticons are tried before words, so "<url>" and ":-)" stay whole.
_PLACEHOLDER = r"<(?:url|user|num)>"
# Upper and lower case spelled out: re.IGNORECASE on the whole pattern makes tokenizing ~40% slower.
_EMOTICON = r"(?:[:;=8xXхХ][-oO^']?[)(\]\[dDpPрРзЗ3*/\\|]+(?!\w)|<3|\){2,}|\({2,})"
_WORD = r"[^\W_]+(?:['-][^\W_]+)*"
_EMOJI = (
    r"[\U0001F1E6-\U0001F1FF]{2}"  # flags are pairs of regional indicators
    r"|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B50\u2B55\u2764\u203C\u2049](?:\uFE0F)?"
    r"(?:[\U0001F3FB-\U0001F3FF])?(?:\u200D[\U0001F300-\U0001FAFF\u2600-\u27BF](?:\uFE0F)?)*"
)
# Every token starts with a non-space; the leading lookahead lets the engine skip whitespace cheaply.
TOKEN_PATTERN = re.compile(f"(?=\\S)(?:{_PLACEHOLDER}|{_EMOTICON}|{_WORD}|{_EMOJI})")


def word_tokens(text: str) -> list[str]:
    """Split normalised text into word-level tokens (words, emoticons, emoji, placeholders)."""
    return TOKEN_PATTERN.findall(text)


def is_word(token: str) -> bool:
    """True for letter/digit words, False for emoticons, emoji and placeholders."""
    return token[0].isalnum()


def char_units(words: list[str], n: int) -> list[str]:
    """Overlapping character n-grams over the words joined by '_' (so n-grams span word boundaries,
    which keeps "не_п" of "не понравилось")."""
    if not words:
        return []
    joined = "_".join(words)
    if n == 1:
        return list(joined)
    if len(joined) < n:
        return [joined]
    return [joined[i : i + n] for i in range(len(joined) - n + 1)]
