"""Mixed-script words: Latin, Cyrillic and Greek letters that look alike, folded into one script.

Russian tweets and reviews spell words with Latin look-alikes («хорошo» with a Latin o, «xyйлo»), by accident
(a keyboard layout switched mid-word) or on purpose (to get past filters); spam does the same to English
words with Cyrillic letters («gооd»). The reader sees one word; without folding the model sees a rare form,
which the lemmatizer cannot analyse either. Text rules version 3 (`sentikit.text.normalize.TEXT_RULES`)
respells such a word in one script when every letter of the other script has a look-alike in it.

Only words that mix scripts are touched, so Greek or English text stays as written, and a word whose letters
of both scripts include ones without a look-alike ("shitовые", "windows-овский") is left alone: that is
code-mixing, not a look-alike.
"""

from __future__ import annotations

import re

# Look-alike pairs. Lowercase ones only where the small letters look alike (a/а, o/о, p/р, x/х, y/у, k/к...): the
# text is lowercased before tokens are read, so a lowercase м or н can only have been typed as such, and «нe»
# (Latin e) is "не", not "he"; "emailом" and "mp3шка" are code-mixing, since м has no small Latin look-alike.
# Capitals (M/М, T/Т, H/Н, B/В) count only as capitals, which tokens keep with lowercasing turned off.
_LATIN_CYRILLIC = "aа cс eе oо pр xх yу kк AА BВ CС EЕ HН KК MМ OО PР TТ XХ YУ"
_GREEK_CYRILLIC = "αа κк οо ρр χх ΑА ΒВ ΕЕ ΗН ΚК ΜМ ΟО ΡР ΤТ ΥУ ΧХ"
_GREEK_LATIN = "αa ιi κk νv οo ρp χx ΑA ΒB ΕE ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ΖZ"
_UKRAINIAN_LATIN = "іi ІI јj ЈJ"  # Cyrillic letters used in Ukrainian/Serbian that equal Latin ones


def _pairs(spec: str, reverse: bool = False) -> dict[str, str]:
    return {pair[1]: pair[0] for pair in spec.split()} if reverse else {pair[0]: pair[1] for pair in spec.split()}


_TO_CYRILLIC: dict[str, str] = {**_pairs(_LATIN_CYRILLIC), **_pairs(_GREEK_CYRILLIC)}
_TO_LATIN: dict[str, str] = {**_pairs(_LATIN_CYRILLIC, reverse=True), **_pairs(_GREEK_LATIN),
                             **_pairs(_UKRAINIAN_LATIN)}
_CYRILLIC_TABLE = str.maketrans(_TO_CYRILLIC)
_LATIN_TABLE = str.maketrans(_TO_LATIN)


_JOINERS = re.compile("([-'])")
_SCRIPTS = (re.compile("[a-zA-Z]"), re.compile("[\u0400-\u04ff]"), re.compile("[\u0370-\u03ff]"))


def _script(ch: str) -> str:
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "latin"
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if "\u0370" <= ch <= "\u03ff":
        return "greek"
    return ""  # digits, hyphens, apostrophes, accented Latin and other scripts


def fold_mixed_script(word: str) -> str:
    """`word` spelled in one script if it mixes Latin, Cyrillic and Greek look-alikes, else `word` itself.

    «хорошo» → «хорошо», «xyйлo» → «хуйло», «gооd» → "good". Both scripts possible («cок»): the one with more
    letters in the word; a tie, or a letter without a look-alike on both sides, leaves the word as it is. Each
    part of a hyphenated word is taken on its own: «wi-fi-роутер» is two languages, not a look-alike."""
    if word.isascii():  # almost every English word: one script
        return word
    # Most other words are all Cyrillic: two C-level searches settle them before any per-letter loop.
    if sum(1 for script in _SCRIPTS if script.search(word)) < 2:
        return word
    if "-" in word or "'" in word:
        return "".join(_fold_part(part) for part in _JOINERS.split(word))
    return _fold_part(word)


def _fold_part(word: str) -> str:
    counts = {"latin": 0, "cyrillic": 0, "greek": 0, "": 0}
    for ch in word:
        counts[_script(ch)] += 1
    if sum(1 for name in ("latin", "cyrillic", "greek") if counts[name]) < 2:
        return word
    # A script can take the word if every letter of the other scripts has a look-alike in it.
    to_cyrillic = all(ch in _TO_CYRILLIC for ch in word if _script(ch) in ("latin", "greek"))
    to_latin = all(ch in _TO_LATIN for ch in word if _script(ch) in ("cyrillic", "greek"))
    if to_cyrillic and to_latin:
        if counts["cyrillic"] == counts["latin"]:
            return word
        to_cyrillic = counts["cyrillic"] > counts["latin"]
        to_latin = not to_cyrillic
    if to_cyrillic:
        return word.translate(_CYRILLIC_TABLE)
    if to_latin:
        return word.translate(_LATIN_TABLE)
    return word
