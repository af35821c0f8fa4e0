"""Text normalisation: Unicode NFC, HTML tags and entities, placeholders, lowercase, ё→е; the same for the
words of a stopword list.

Runs once per document, before tokenization; everything here is a handful of compiled regular expressions so
it stays cheap on large corpora.
"""

from __future__ import annotations

import html
import re
import unicodedata

from sentikit.text.config import PreprocessConfig
from sentikit.text.homoglyphs import fold_mixed_words, fold_word

URL_TOKEN = "<url>"
USER_TOKEN = "<user>"
NUMBER_TOKEN = "<num>"

# A tag starts right after "<" (no space), so "price < quality > hype" is left alone.
_HTML_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Starts with the literal "@" so the engine can jump between candidates; then "not preceded by a word character or @".
_MENTION = re.compile(r"@(?<![\w@]@)\w+")
# A number not glued to letters or digits ("mp3", "123abc" stay words) and not the heart emoticon "<3".
_NUMBER = re.compile(r"(?<![^\W_])(?<!<)\d+(?:[.,]\d+)*(?![^\W_])")
# Typographic apostrophes and dashes become ASCII so "don’t" and "don't" are one token; NUL becomes a space.
_REPLACE = (("’", "'"), ("ʼ", "'"), ("‘", "'"), ("`", "'"), ("‐", "-"), ("‑", "-"), ("\x00", " "))
# Combining marks that NFC could not merge into a letter: Russian stress marks (замо́к), the dot of
# "İ".lower(). They would split a word in two.
_COMBINING = re.compile("[\u0300-\u036f]+")
# Versions of the normalisation and stopword rules. A fitted preprocessor records the version it applies, and a
# model saved before versions existed (no "rules" in its state) replays version 1 exactly: prediction must
# tokenize as training did. Version 2 removes invisible characters inside words and reads apostrophe look-alikes
# (below), counts n't stubs as negations, and drops a word for its reduced form only for Russian lemmas
# (`Preprocessor._token`). Version 3 respells words that mix Latin, Cyrillic and Greek look-alikes in one script
# (`sentikit.text.homoglyphs`) and normalises the words of a --stopwords file like the text.
TEXT_RULES = 3
TEXT_RULE_VERSIONS: tuple[int, ...] = (1, 2, 3)
# Invisible characters that would split a word in two ("хоро\u00adшо" → "хоро", "шо"). Soft hyphens (copied
# from typeset pages), zero-width spaces, word joiners and a BOM inside the text are deleted wherever they are.
# Zero-width (non-)joiners only between letters: inside an emoji sequence (👨‍👩‍👧) the joiner is what keeps
# the family one token. Letters, not digits: "5′10″" is a height, not a word.
_RARE = re.compile("[\u00ad\u00b4\u200b-\u200d\u2032\u2060\ufeff\uff07]")
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]+")
_JOINER = re.compile("(?<=[^\\W\\d_])[\u200c\u200d]+(?=[^\\W\\d_])")
# A spacing acute between Cyrillic letters is a stress mark typed by hand (отли´чный), deleted like the combining
# one; elsewhere between letters the acute, prime and fullwidth apostrophe stand for an apostrophe ("don´t"),
# without which "don´t" becomes "don", "t" and loses its negation.
_CYRILLIC_ACUTE = re.compile("(?<=[а-яёА-ЯЁ])\u00b4(?=[а-яёА-ЯЁ])")
_ODD_APOSTROPHE = re.compile("(?<=[^\\W\\d_])[\u00b4\u2032\uff07](?=[^\\W\\d_])")


def _invisible_and_apostrophes(text: str) -> str:
    if not _RARE.search(text):  # one scan; most texts have none of these
        return text
    text = _INVISIBLE.sub("", text)
    text = _JOINER.sub("", text)
    if "\u00b4" in text:
        text = _CYRILLIC_ACUTE.sub("", text)
    return _ODD_APOSTROPHE.sub("'", text)


def normalize_text(text: str, config: PreprocessConfig, rules: int = TEXT_RULES, *, fold: bool = True) -> str:
    """Apply the document-level normalisation that `config` asks for, by the `rules` version (TEXT_RULES).
    `fold=False` leaves out the folding of mixed-script words (rules 3): `Preprocessor` folds only documents
    that turn out to hold such a word."""
    ascii_only = text.isascii()
    if not ascii_only:
        text = unicodedata.normalize("NFC", text)
    if config.strip_html:
        if "<" in text:
            text = _HTML_TAG.sub(" ", text)
        if "&" in text:
            text = html.unescape(text)  # may bring back non-ASCII characters (&rsquo; &eacute;)
            ascii_only = text.isascii()
    if rules >= 2 and not ascii_only:  # before the placeholders: "@iv\u200ban" is one mention, "1\u00ad000" one number
        text = _invisible_and_apostrophes(text)
    if config.url_placeholder and ("http" in text or "www" in text or "HTTP" in text or "WWW" in text):
        text = _URL.sub(f" {URL_TOKEN} ", text)
    if config.mention_placeholder and "@" in text:
        text = _MENTION.sub(f" {USER_TOKEN} ", text)
    if config.number_placeholder:
        text = _NUMBER.sub(f" {NUMBER_TOKEN} ", text)
    if fold and rules >= 3 and not ascii_only:  # before lowercasing, which would hide that an M or an H was a capital
        text = fold_mixed_words(text)
    if config.lowercase:
        text = text.lower()
        # ё→е: Russian writers use ё inconsistently; only meaningful together with lowercasing.
        if "ё" in text:
            text = text.replace("ё", "е")
    # After unescaping and lowercasing, which can produce these characters. A few `in` scans are much cheaper
    # than str.translate, which goes through a dict for every character.
    for odd, plain in _REPLACE:
        if odd in text:
            text = text.replace(odd, plain)
    if not ascii_only:
        # U+0300-036F encode as 0xCC/0xCD lead bytes in UTF-8: finding those is 2x cheaper than a regex search.
        encoded = text.encode("utf-8", "surrogatepass")
        if b"\xcc" in encoded or b"\xcd" in encoded:
            text = _COMBINING.sub("", text)
    return text


def normalize_word(word: str, script: str | None = None) -> str:
    """A word of a user's stopword list in the form the text's tokens take (rules version 3): lowercase, ё→е,
    invisible characters and stress marks removed, apostrophe look-alikes read as "'", one script. Without it
    a list typed with a stress mark («то́же») or a soft hyphen would never match. `script` decides a word that
    either script could take («Hу»): the list's language (`sentikit.text.homoglyphs.words_script`)."""
    # Folded before lowercasing, as the text is: "Mое" (a Latin capital M) is «мое».
    text = fold_word(_invisible_and_apostrophes(unicodedata.normalize("NFC", word)), script).lower().replace("ё", "е")
    for odd, plain in _REPLACE:
        if odd in text:
            text = text.replace(odd, plain)
    return _COMBINING.sub("", text)
