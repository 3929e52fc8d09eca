"""The Arabic speaks to women and men alike.

A group sits mixed (often a couple side by side), and Arabic marks the gender of "you" in
imperatives and in second-person present verbs. The translation addresses the reader with
forms that read the same for both in unvocalised writing: a verbal noun on buttons and labels
("فتح شاشة العرض"), the suffix ـك with a verbal noun in sentences ("يمكنك فتح…"), the passive or
impersonal ("يُرجى…"), or "we" when the group acts together ("لنتنفّس معًا"). This checks every
Arabic string shown to people: both catalogues (all plural forms) and the built-in library.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from unicodedata import normalize

import pytest
import yaml

from server import i18n
from server.domain.library import HERE

pytestmark = pytest.mark.fast

# Masculine-only ways of saying "you" that the Arabic files used to address every reader: each
# was found in them, and it tells a woman reading it that she is not the one spoken to.
# Imperatives (for a woman "افتحي", "اضغطي"...) and second-person present verbs ("تشعر" for
# "تشعرين"), written as they read once vowel marks are removed; a form may carry "و" or "ف" in
# front and an object pronoun behind ("فاضغط", "احفظه"). Left out on purpose: forms whose letters
# are just as often fine words here, such as "she/it" verbs (تعرض, تذكر, تتحدث, تنتظر),
# passives and past tenses (أُغلق, استُخدم, انضمّ, لاحظ), first-person options (أُظهر, أُخبَر),
# nouns (بين, غير, ذكر, عدّ) and the Pass button "تخطٍّ", a verbal noun.
MASCULINE_ADDRESS = tuple(
    """
    افتح اضغط اختر اكتب انتظر أرسل تنفس استمع ابحث احبس اطلب اسحب اجعل اضبط اسمح أجب أضف اقرأ
    احذف احفظ اعرض ابدأ اتبع شغل ابق اعتن أدخل الصق حدد حاول تابع تأكد انتقل اطبع وافق أعط اذكر
    نزل اشعر انظر أرح ادع أبق أشر اشرح اشكر خفف انتبه حافظ اترك احرص قرر التزم احتفظ تمهل اسأل
    انقل سم قل دع خذ ضع صل

    تصل تريد تشعر تستطيع تغادر تحتاج تود ترتاح تراه تضغط تكتب تشاركه تفعل تجيب تنضم تتشارك
    تشاء تختر تنهي تسمح تتخطى تحاول تتردد
    """.split()
)  # imperatives first, then second-person present verbs
# Vowel marks make these masculine ("كنتَ" for "كنتِ"; "تخطَّ" is "skip!", unlike "تخطٍّ").
VOCALISED = ("كنتَ", "أجبتَ", "تخطَّ")
# With "و" or "ف" in front these letters are other words (وسم, فقل, ودع, فخذ, وضع, وصل), so
# they are matched only on their own.
ALONE = tuple("سم قل دع خذ ضع صل".split())

LETTER = "\u0600-\u06ff"
MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")  # vowel marks, shadda, sukun, tatweel
# an object pronoun after the verb: -hu, -ha, -huma, -hum, -ni, -na
PRONOUN = "(?:\u0647|\u0647\u0627|\u0647\u0645\u0627|\u0647\u0645|\u0646\u064a|\u0646\u0627)?"


def _either(forms: tuple[str, ...]) -> str:
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


PREFIXED = tuple(form for form in MASCULINE_ADDRESS if form not in ALONE)
PATTERN = re.compile(
    f"(?<![{LETTER}])(?:[وف]?{_either(PREFIXED)}{PRONOUN}|{_either(ALONE)})(?![{LETTER}])"
)


MARKED = re.compile(
    f"(?<![{LETTER}])(?:{_either(tuple(normalize('NFD', form) for form in VOCALISED))})"
    f"(?![{LETTER}])"
)


def offending(text: str) -> list[str]:
    """The masculine forms in `text`, as found (vowel marks dropped, except for VOCALISED)."""
    return PATTERN.findall(MARKS.sub("", text)) + MARKED.findall(normalize("NFD", text))


def arabic_messages() -> Iterator[tuple[str, str]]:
    for domain in i18n.DOMAINS:
        for message in i18n.catalogue("ar", domain):
            if not message.id:
                continue
            forms = [message.string] if isinstance(message.string, str) else message.string
            key = message.id if isinstance(message.id, str) else message.id[0]
            for n, form in enumerate(forms):
                yield f"{domain}.po {key!r} [{n}]", form


def _under_ar(node: Any, where: str, arabic: bool = False) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "translations" and isinstance(value, dict):
                for lang, words in value.items():
                    yield from _under_ar(words, f"{where}/{key}/{lang}", lang == "ar")
            else:
                yield from _under_ar(value, f"{where}/{key}", arabic)
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from _under_ar(value, f"{where}/{n}", arabic)
    elif isinstance(node, str) and arabic:
        yield where, node


def arabic_library() -> Iterator[tuple[str, str]]:
    for path in sorted(HERE.glob("*/*.yaml")):
        yield from _under_ar(yaml.safe_load(path.read_text("utf-8")), path.name)


def test_the_patterns_see_the_forms_they_are_for() -> None:
    assert offending("افتح شاشة العرض") == ["افتح"]
    assert offending("ثم فاضغط «مغادرة»") == ["فاضغط"]
    assert offending("احفظه لنفسك") == ["احفظه"]
    assert offending("تنفَّس مع الدائرة") == ["تنفس"]
    assert offending("وإن كنتَ شخصًا آخر") == [normalize("NFD", "كنتَ")]
    assert offending("مع «تخطَّ هذا»") == [normalize("NFD", "تخطَّ")]
    fine = """
        فتح شاشة العرض | يمكنك التنفّس مع الدائرة | التخطي | زر «تخطٍّ» | وضع اليد | وصلت | فصل
        | لنتنفّس معًا | تصلك الملاحظات | إن كنت شخصًا آخر | أُغلق باب الإجابات | بين الجلسات
        | عدّ الخطوات
    """
    for text in fine.split("|"):
        assert offending(text) == [], text


def test_the_arabic_catalogues_address_women_and_men_alike() -> None:
    found = [(where, offending(text)) for where, text in arabic_messages()]
    assert [hit for hit in found if hit[1]] == []


def test_the_arabic_library_addresses_women_and_men_alike() -> None:
    texts = list(arabic_library())
    assert len(texts) > 400  # every plan and collection, with its options and per-side texts
    found = [(where, offending(text)) for where, text in texts]
    assert [hit for hit in found if hit[1]] == []
