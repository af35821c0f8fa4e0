"""Mixed-script words: Latin, Cyrillic and Greek letters that look alike, folded into one script.

Russian tweets and reviews spell words with Latin look-alikes («хорошo» with a Latin o, «xyйлo», «Hе» with a
Latin H), by accident (a keyboard layout switched mid-word) or on purpose (to get past filters); spam does the
same to English words with Cyrillic letters («gооd»). The reader sees one word; without folding the model sees
a rare form, which the lemmatizer cannot analyse either. Text rules version 3
(`sentikit.text.normalize.TEXT_RULES`) respells such a word in one script when every letter of the other script
has a look-alike in it.

Folding runs on the document before it is lowercased: capitals M, H, T, B look like М, Н, Т, В, their small
forms do not, so «Hет» and «OTЛИЧНО» fold and "emailом" stays. Letters are judged per run between digits,
hyphens and apostrophes ("mp3шка", "wi-fi-роутер"). Only runs that mix scripts are touched, so Greek or English
text stays as written, and a run whose letters of both scripts include ones without a look-alike ("shitовые",
"iphoneом") is code-mixing, left alone. When either script could take the run («Hе»: "He" or «Не»), the one
with more letters in it wins, then the script of the nearest words that show one by a letter with no
look-alike, after the run first: «Hе работает Wi-Fi» is Russian, "Hе loved it" English (and «Hа iPhone», read
by "iPhone", English: a known miss).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# Look-alike pairs (source letter, target letter): small letters that look alike, and capitals.
_LATIN_CYRILLIC = "aа cс eе iі oо pр xх yу kк AА BВ CС EЕ HН IІ KК MМ OО PР TТ XХ YУ"
_GREEK_CYRILLIC = "αа κк οо ρр χх ΑА ΒВ ΕЕ ΗН ΚК ΜМ ΟО ΡР ΤТ ΥУ ΧХ"
_GREEK_LATIN = "αa ιi κk νv οo ρp χx ΑA ΒB ΕE ΗH ΙI ΚK ΜM ΝN ΟO ΡP ΤT ΥY ΧX ΖZ"
_CYRILLIC_LATIN = "јj Јj ЈJ"  # Serbian ј; the Ukrainian і pairs come from _LATIN_CYRILLIC reversed


def _pairs(spec: str, reverse: bool = False) -> dict[str, str]:
    return {pair[1]: pair[0] for pair in spec.split()} if reverse else {pair[0]: pair[1] for pair in spec.split()}


_TO = {"cyrillic": {**_pairs(_LATIN_CYRILLIC), **_pairs(_GREEK_CYRILLIC)},
       "latin": {**_pairs(_LATIN_CYRILLIC, reverse=True), **_pairs(_GREEK_LATIN), **_pairs(_CYRILLIC_LATIN)}}
_TABLES = {target: str.maketrans(pairs) for target, pairs in _TO.items()}
_LOOKALIKES = frozenset(_TO["cyrillic"]) | frozenset(_TO["latin"])  # letters that could be read in either script

_CYRILLIC_OR_GREEK = re.compile("[\u0370-\u03ff\u0400-\u04ff]")
# Two adjacent letters of different scripts, which every word that folding can change has. The pattern starts
# at a Latin or Greek letter, rare in Russian text, and looks around it: 4x faster on tweets than trying every
# Cyrillic letter (and tweets' "<url>" puts Latin letters in almost every one).
_SCRIPT_BOUNDARY = re.compile("[a-zA-Z\u0370-\u03ff](?:(?=[\u0400-\u04ff])|(?<=[\u0370-\u03ff\u0400-\u04ff][a-zA-Z])"
                              "|(?<=[a-zA-Z\u0400-\u04ff][\u0370-\u03ff]))")
_LETTER_RUN = re.compile("[^\\W\\d_]+")
_LATIN_LETTER = re.compile("[a-zA-Z]")
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_GREEK_LETTER = re.compile("[\u0370-\u03ff]")
_LATIN_OR_GREEK = re.compile("[a-zA-Z\u0370-\u03ff]")
_NEIGHBOURS = 3  # runs looked at on each side of one that either script could take


def _script(ch: str) -> str:
    if "a" <= ch <= "z" or "A" <= ch <= "Z":
        return "latin"
    if "\u0400" <= ch <= "\u04ff":
        return "cyrillic"
    if "\u0370" <= ch <= "\u03ff":
        return "greek"
    return ""  # accented Latin and other scripts


def fold_mixed_words(text: str) -> str:
    """`text` with each run of letters that mixes scripts spelled in one script (see the module docstring)."""
    # English text: no Cyrillic or Greek letter, which one scan for a rare class finds; Russian text: the boundary
    # pattern starts at its rare Latin letters. Documents that pass both are few.
    if text.isascii() or not _CYRILLIC_OR_GREEK.search(text) or not _SCRIPT_BOUNDARY.search(text):
        return text
    runs = list(_LETTER_RUN.finditer(text))
    signals = [_signal(match, text) for match in runs]
    pieces, end = [], 0
    for i, match in enumerate(runs):
        run = match.group()
        if is_mixed_script(run):
            pieces += [text[end:match.start()], fold_run(run, _context(signals, i))]
            end = match.end()
    return "".join(pieces) + text[end:]


def _signal(match: re.Match[str], text: str) -> str | None:
    """The script a run of letters shows by a letter that has no look-alike in the other script ("л", "g"), or
    None: a run of look-alikes alone («а», "ok" in either script), one showing both, a <placeholder>."""
    start, end = match.span()
    if text[start - 1:start] == "<" and text[end:end + 1] == ">":
        return None  # <url>, <user>, <num>: Latin letters nobody typed
    shown = {_script(ch) for ch in match.group() if ch not in _LOOKALIKES} - {"", "greek"}
    return shown.pop() if len(shown) == 1 else None


def _context(signals: list[str | None], i: int) -> str | None:
    """The script of the nearest words that show one, after run `i` first (a Latin H in «Hе работает» is told
    by «работает»; "Hе loved it" by "loved"), then before it."""
    for j in [*range(i + 1, min(len(signals), i + 1 + _NEIGHBOURS)), *range(i - 1, max(-1, i - 1 - _NEIGHBOURS), -1)]:
        if signals[j] is not None:
            return signals[j]
    return None


def is_mixed_script(form: str) -> bool:
    """Whether `form` holds letters of two of Latin, Cyrillic and Greek: one that folding may respell."""
    if form.isascii() or not _LATIN_OR_GREEK.search(form):  # English words; Russian words, in one scan
        return False
    return sum(1 for letters in (_LATIN_LETTER, _CYRILLIC_LETTER, _GREEK_LETTER) if letters.search(form)) >= 2


def fold_word(word: str, document: str | None = None) -> str:
    """`word` (a word alone, such as a stopword-list entry) with its mixed runs spelled in one script; `document`
    decides a run that either script could take (see `words_script`)."""
    return word if word.isascii() else _LETTER_RUN.sub(lambda match: fold_run(match.group(), document), word)


def words_script(words: Iterable[str]) -> str | None:
    """The script most of `words` show by a letter with no look-alike (a stopword list's language), or None."""
    shown = Counter(signal for word in words for match in _LETTER_RUN.finditer(word)
                    if (signal := _signal(match, word)) is not None)
    if shown["cyrillic"] == shown["latin"]:
        return None
    return "cyrillic" if shown["cyrillic"] > shown["latin"] else "latin"


def fold_run(run: str, document: str | None = None) -> str:
    """`run`, a run of letters, spelled in one script if it mixes look-alikes, else `run` itself. `document` is
    the script of the words around it, which decides when the run's own letters do not."""
    counts = {"latin": 0, "cyrillic": 0, "greek": 0, "": 0}
    for ch in run:
        counts[_script(ch)] += 1
    if sum(1 for name in ("latin", "cyrillic", "greek") if counts[name]) < 2:
        return run
    if counts["greek"] >= max(counts["latin"], counts["cyrillic"]):
        return run  # a Greek word with a stray letter: Greek is not a script this folds into
    # The scripts that can take the whole run: every letter of the others has a look-alike in them.
    targets = [target for target, pairs in _TO.items()
               if all(ch in pairs for ch in run if _script(ch) not in (target, ""))]
    if len(targets) == 2:
        if counts["latin"] != counts["cyrillic"]:
            targets = [max(targets, key=counts.__getitem__)]
        elif document is not None:
            targets = [document]
        else:
            return run  # «Hе» alone: nothing tells which script was meant
    return run.translate(_TABLES[targets[0]]) if targets else run
