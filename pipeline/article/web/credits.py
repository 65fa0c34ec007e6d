"""Photo credits as the press writes them: the labels that name one, in many languages, and the
places a credit takes at the end of a caption. Text only; where a page marks credits is figures'."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# The words that label a credit, in the languages of the press. A label is followed by ":", or by
# "=" as the Korean and Japanese press write it (사진=연합뉴스); an abbreviation ends in "." ("Fot.").
LABEL_WORDS = (
    r"(?:(?:photo|image|picture)\s+)?credits?|photos?|photograph(?:y|s)?|pictures?|images?|source|copyright",
    r"illustration|graphics?|collage|montage",
    r"foto(?:s|grafie|graf[ií]a|grafia)?|bild(?:er)?|quelle|grafik",  # de, and "foto" in most of Europe
    r"bron|beeld|afbeelding|kilde|billede|k[äa]lla|kuva|l[äa]hde",  # nl no da sv fi
    r"fuente|imagen|fonte|imagem|immagine|cr[ée]dit|cr[ée]dito",  # es pt it fr
    r"zdroj|zdj[eę]cie|[źz]r[óo]d[łl]o|fot[oó]|k[ée]p|forr[áa]s|nuotrauka|[šs]altinis",  # cs sk pl hu lt
    r"foto[gğ]raf|kaynak|g[öo]rsel|[ảa]nh|ngu[ồo]n|sumber",  # tr vi id
    r"фото|источник|джерело|коллаж|колаж|изображение|зображення",  # ru uk
    r"isithombe|umfanekiso",  # zu xh
    r"写真|撮影|画像|사진|자료|图片|圖片|图|圖|来源|來源",  # ja ko zh
)
_WORDS = "|".join(LABEL_WORDS)
_ABBREVIATIONS = r"fot|dok|nuotr|repro"  # pl, id, lt, cs and sk
_COPYRIGHT = r"©|\(c\)|（[cＣｃ]）"
_BY = r"(?:photo(?:graph)?s?|pictures?|images?)\s+by\b"
_LABEL = rf"(?:{_COPYRIGHT}|(?:{_WORDS})\s*[:：=＝]|(?:{_ABBREVIATIONS})\.|{_BY})"
LABELLED = re.compile(rf"^{_LABEL}\s*", re.I)  # "Foto: X", "© X", "Photo by X"
BARE_LABEL = re.compile(rf"^(?:{_WORDS}|{_ABBREVIATIONS})\W*$", re.I)  # "Credit", "Foto:" alone
CAPTION_LABEL = re.compile(r"^(?:legende|caption|bildunterschrift|bildtext)\s*:\s*", re.I)
# Notes on a picture's kind, set in parentheses where a credit could be: no credit.
_NOT_A_CREDIT = re.compile(
    r"^(?:archiv\w*|symbol\w*|file(?: photo)?|archive|illustrat\w*|montage|screenshot|video|grafik|[lrm]\.)$", re.I
)


def _short_name(m: re.Match) -> bool:
    """A name or an agency: a few words, not lowercase, not a note on the picture's kind."""
    credit = m["credit"].strip()
    return 0 < len(credit.split()) <= 5 and not credit[0].islower() and not _NOT_A_CREDIT.match(credit)


def _after_sentence(m: re.Match) -> bool:
    """After a sentence's end, not after an abbreviation ("Dr.", "St.", "U.S."): the last word is
    lowercase, or of another script, or four letters long or more."""
    last = m["last"]
    return _short_name(m) and (len(last) >= 4 or not last[0].isupper())


@dataclass(frozen=True, slots=True)
class WrittenCredit:
    """A place a credit takes at the end of a caption."""

    name: str
    pattern: re.Pattern
    whole: bool = False  # may be the whole caption: a caption that is only a credit
    weak: bool = False  # only its place says it is a credit: for figures that mark none
    accept: Callable[[re.Match], bool] | None = None


WRITTEN_CREDITS = (
    # "Photo: X", "(Foto: X)", "© X", "사진=연합뉴스", "Photo by X", "（Ｃ）共同通信社"
    WrittenCredit(
        "label",
        re.compile(rf"(?:^|[\s(\[|（]|(?={_COPYRIGHT})){_LABEL}\s*(?P<credit>[^()\[\]（）]{{2,120}}?)[)\]）]?$", re.I),
        whole=True,
    ),
    # "(AP Photo/X)", "(Reuters photo)": a parenthesis naming a photo
    WrittenCredit(
        "photo_in_parens", re.compile(r"\s*\((?P<credit>[^()]*\b(?:photo|foto|bild|image)s?\b[^()]*)\)$", re.I)
    ),
    WrittenCredit("after_pipe", re.compile(r"\s+\|\s+(?P<credit>[^|]{2,80})$")),  # "... | X"
    # The Japanese press: "写真説明＝共同", "（ゲッティ＝共同）", "（X撮影）" (taken by X)
    WrittenCredit("ja_via", re.compile(r"[（(](?P<credit>[^（）()＝]{1,15}＝[^（）()＝\d０-９]{1,15})[）)]$")),
    WrittenCredit("ja_equals", re.compile(r"＝(?P<credit>[^＝\d０-９]{1,15})$")),
    WrittenCredit("ja_taken_by", re.compile(r"[（(](?P<credit>[^（）()]{1,20}?)撮影[）)]$")),
    WrittenCredit("agency_in_parens", re.compile(r"\s*\((?P<credit>[A-Z][A-Z/&. -]{0,30}[A-Z])\)$")),  # "(AP)"
    # "... on Sunday. (Jo Smith)"
    WrittenCredit(
        "name_in_parens",
        re.compile(r"(?:(?<=[.!?。])|^)\s*\((?P<credit>[^()\d]{2,60})\)$"),
        whole=True,
        weak=True,
        accept=_short_name,
    ),
    # "... on Sunday. Supplied", the Korean press's "... 있다. 연합뉴스"
    WrittenCredit(
        "after_last_sentence",
        re.compile(r"(?P<last>\w+)[.!?。]\s+(?P<credit>[^\W\d_][^.!?。,;:()\d]{1,40}\d?)$"),
        weak=True,
        accept=_after_sentence,
    ),
)


def split_credit(caption: str, weak: bool = True) -> tuple[str, list[str]]:
    """A caption without the credit written at its end, and that credit. `weak`: also the credits
    only their place says are credits, for figures that mark none."""
    for rule in WRITTEN_CREDITS:
        if rule.weak and not weak:
            continue
        m = rule.pattern.search(caption)
        if m is None or (rule.accept is not None and not rule.accept(m)):
            continue
        start = m.start("last") + len(m["last"]) + 1 if "last" in rule.pattern.groupindex else m.start()
        if start > 0:
            return caption[:start].strip(" |(–-"), [m["credit"].strip()]
        if rule.whole:
            return "", [m["credit"].strip()]
    return caption, []


def clean_credit(credit: str) -> str:
    """A credit without its label and the brackets around it ("(Bild: X)" -> "X"); a bracket the
    credit itself holds stays ("X (Valley News)")."""
    credit = credit.strip(" |")
    while len(credit) > 1 and credit[0] in "([（" and credit[-1] in ")]）":
        credit = credit[1:-1].strip()
    credit = LABELLED.sub("", credit).strip(" |")
    if credit[-1:] in (")", "）") and not any(b in credit for b in "(（"):
        credit = credit[:-1]
    if credit[:1] in ("(", "（") and not any(b in credit for b in ")）"):
        credit = credit[1:]
    return credit.strip()
