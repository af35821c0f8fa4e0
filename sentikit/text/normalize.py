"""Text normalisation: Unicode NFC, HTML tags and entities, placeholders, lowercase, ё→е.

Runs once per document, before tokenization; everything here is a handful of compiled regular expressions so
it stays cheap on large corpora.
"""

from __future__ import annotations

import html
import re
import unicodedata

from sentikit.text.config import PreprocessConfig

URL_TOKEN = "<url>"
USER_TOKEN = "<user>"
NUMBER_TOKEN = "<num>"

_HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^<>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<![\w@])@\w+")
_NUMBER = re.compile(r"(?<![^\W\d_])\d+(?:[.,]\d+)*(?![^\W\d_])")
# Typographic apostrophes and dashes become ASCII so "don’t" and "don't" are one token.
_TRANSLATE = str.maketrans({"’": "'", "ʼ": "'", "‘": "'", "`": "'", "‐": "-", "‑": "-", "\x00": " "})


def normalize_text(text: str, config: PreprocessConfig) -> str:
    """Apply the document-level normalisation that `config` asks for."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = text.translate(_TRANSLATE)
    if config.strip_html:
        if "<" in text:
            text = _HTML_TAG.sub(" ", text)
        if "&" in text:
            text = html.unescape(text)
    if config.url_placeholder and ("http" in text or "www" in text or "HTTP" in text or "WWW" in text):
        text = _URL.sub(f" {URL_TOKEN} ", text)
    if config.mention_placeholder and "@" in text:
        text = _MENTION.sub(f" {USER_TOKEN} ", text)
    if config.number_placeholder:
        text = _NUMBER.sub(f" {NUMBER_TOKEN} ", text)
    if config.lowercase:
        text = text.lower()
        # ё→е: Russian writers use ё inconsistently; only meaningful together with lowercasing.
        if "ё" in text:
            text = text.replace("ё", "е")
    return text
