"""Mixed-script words: Latin, Cyrillic and Greek letters that look alike, folded into one script.

Russian tweets and reviews spell words with Latin look-alikes («хорошo» with a Latin o, «xyйлo»), by accident
(a keyboard layout switched mid-word) or on purpose (to get past filters); spam does the same to English
words with Cyrillic letters («gооd»). The reader sees one word; without folding the model sees a rare form,
which the lemmatizer cannot analyse either. Text rules version 3 (`sentikit.text.normalize.TEXT_RULES`)
respells such a word in one script when every letter of the other script has a look-alike in it.

Only words that mix scripts are touched, so Greek or English text stays as written, and a word whose letters
of both scripts include ones without a look-alike ("shitовые", "windows-овский", "iphoneом") is left alone: that
is code-mixing, not a look-alike. Letters are judged per run between digits, hyphens and apostrophes ("mp3шка",
"wi-fi-роутер").

Folding works on tokens, which are lowercased by then (so each distinct form is folded once, in the
preprocessor's cache). Small letters that look alike (a/а, o/о, p/р, x/х, y/у, k/к...) fold anywhere. The small
forms of pairs that look alike only as capitals (M/М, T/Т, H/Н, B/В, and Greek capitals) fold only as a run's
first letter, where a capital stands: «mолоко» (from «Mолоко») is «молоко», «нe» is «не» and not "he", and
the «м» of "emailом" stays.
"""

from __future__ import annotations

import re

# Look-alike pairs (source letter, target letter). Capitals fold anywhere, as do the small letters that look
# alike; _CAPITAL_ONLY are small forms of pairs that look alike only as capitals, folded only as a run's first
# letter.
_LATIN_CYRILLIC = "aа cс eе oо pр xх yу kк AА BВ CС EЕ HН KК MМ OО PР TТ XХ YУ"
_LATIN_CYRILLIC_CAPITAL_ONLY = "mм tт hн bв"
_GREEK_CYRILLIC = "αа κк οо ρр χх ΑА ΒВ ΕЕ ΗН ΚК ΜМ ΟО ΡР ΤТ ΥУ ΧХ"
_GREEK_CYRILLIC_CAPITAL_ONLY = "βв εе ηн μм τт υу"
_GREEK_LATIN = "αa ιi κk νv οo ρp χx ΑA ΒB ΕE ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ΖZ"
_GREEK_LATIN_CAPITAL_ONLY = "βb εe ηh μm τt υy ζz"
_UKRAINIAN_LATIN = "іi ІI јj ЈJ"  # Cyrillic letters used in Ukrainian/Serbian that equal Latin ones


def _pairs(spec: str, reverse: bool = False) -> dict[str, str]:
    return {pair[1]: pair[0] for pair in spec.split()} if reverse else {pair[0]: pair[1] for pair in spec.split()}


_TO_CYRILLIC = {**_pairs(_LATIN_CYRILLIC), **_pairs(_GREEK_CYRILLIC)}
_TO_CYRILLIC_FIRST = {**_TO_CYRILLIC, **_pairs(_LATIN_CYRILLIC_CAPITAL_ONLY), **_pairs(_GREEK_CYRILLIC_CAPITAL_ONLY)}
_TO_LATIN = {**_pairs(_LATIN_CYRILLIC, reverse=True), **_pairs(_GREEK_LATIN), **_pairs(_UKRAINIAN_LATIN)}
_TO_LATIN_FIRST = {**_TO_LATIN, **_pairs(_LATIN_CYRILLIC_CAPITAL_ONLY, reverse=True),
                   **_pairs(_GREEK_LATIN_CAPITAL_ONLY)}
_TARGETS = {"cyrillic": (_TO_CYRILLIC, _TO_CYRILLIC_FIRST), "latin": (_TO_LATIN, _TO_LATIN_FIRST)}
_TABLES = {target: (str.maketrans(anywhere), str.maketrans(first)) for target, (anywhere, first) in _TARGETS.items()}

_LETTER_RUN = re.compile("[^\\W\\d_]+")
_LATIN_OR_GREEK = re.compile("[a-zA-Z\u0370-\u03ff]")
_CYRILLIC_OR_GREEK = re.compile("[\u0370-\u03ff\u0400-\u04ff]")


def _script(ch: str) -> str:
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "latin"
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if "\u0370" <= ch <= "\u03ff":
        return "greek"
    return ""  # accented Latin and other scripts


def fold_mixed_script(word: str) -> str:
    """`word` spelled in one script if it mixes Latin, Cyrillic and Greek look-alikes, else `word` itself.

    «хорошo» → «хорошо», «xyйлo» → «хуйло», «gооd» → "good", «нe» → «не». Both scripts possible («cок»): the one
    that needs no capital-only pair, then the one with more letters in the word; a tie, or a letter without a
    look-alike on both sides, leaves the run as it is."""
    if word.isascii():  # almost every English word: one script
        return word
    # Most other words are all Cyrillic (or accented Latin): one C-level search settles them.
    if not _LATIN_OR_GREEK.search(word) or not _CYRILLIC_OR_GREEK.search(word):
        return word
    return _LETTER_RUN.sub(_fold_run, word)


def _fold_run(match: re.Match[str]) -> str:
    run = match.group()
    counts = {"latin": 0, "cyrillic": 0, "greek": 0, "": 0}
    for ch in run:
        counts[_script(ch)] += 1
    if sum(1 for name in ("latin", "cyrillic", "greek") if counts[name]) < 2:
        return run
    # (target, needs a capital-only pair) for each script that can take the whole run.
    options: list[tuple[str, bool]] = []
    for target, (anywhere, first) in _TARGETS.items():
        foreign = [(i, ch) for i, ch in enumerate(run) if _script(ch) not in (target, "")]
        if all(ch in anywhere or (i == 0 and ch in first) for i, ch in foreign):
            options.append((target, any(ch not in anywhere for _, ch in foreign)))
    if len(options) == 2:
        (a, a_capital), (b, b_capital) = options
        if a_capital != b_capital:
            options = [options[0] if not a_capital else options[1]]
        elif counts[a] != counts[b]:
            options = [max(options, key=lambda option: counts[option[0]])]
        else:
            return run  # «сo»: nothing tells which script was meant
    if not options:
        return run
    anywhere, first = _TABLES[options[0][0]]
    return run[0].translate(first) + run[1:].translate(anywhere)
