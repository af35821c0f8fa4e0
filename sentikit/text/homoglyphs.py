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
with more letters in it wins, then Cyrillic if the document has a word in Cyrillic alone, else Latin if it has
one in Latin.
"""

from __future__ import annotations

import re

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
_CYRILLIC_WORD = re.compile("(?<![^\\W\\d_])[\u0400-\u04ff]+(?![^\\W\\d_])")
_LATIN_WORD = re.compile("(?<![^\\W\\d_])(?<!<)[a-zA-Z]+(?![^\\W\\d_])(?!>)")  # not a <placeholder>


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
    # A run either script could take («Hе») goes with the document's words: Cyrillic if it has any word in
    # Cyrillic alone (a Russian review naming Wi-Fi and an iPhone is Russian; placeholders such as <url> are
    # Latin letters nobody typed), else Latin if it has a Latin word.
    document = ("cyrillic" if _CYRILLIC_WORD.search(text) else "latin" if _LATIN_WORD.search(text) else None)
    return _LETTER_RUN.sub(lambda match: fold_run(match.group(), document), text)


def is_mixed_script(form: str) -> bool:
    """Whether `form` holds letters of two of Latin, Cyrillic and Greek: one that folding may respell."""
    if form.isascii():
        return False
    return sum(1 for letters in (_LATIN_LETTER, _CYRILLIC_LETTER, _GREEK_LETTER) if letters.search(form)) >= 2


def fold_word(word: str) -> str:
    """`word` (a word alone, such as a stopword-list entry) with its mixed runs spelled in one script."""
    return word if word.isascii() else _LETTER_RUN.sub(lambda match: fold_run(match.group()), word)


def fold_run(run: str, document: str | None = None) -> str:
    """`run`, a run of letters, spelled in one script if it mixes look-alikes, else `run` itself. `document` is
    the script with more letters around it, which decides when the run's own letters do not."""
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
