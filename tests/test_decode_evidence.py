"""Encodings by evidence: a declared charset wins, valid UTF-8 is UTF-8, and a mostly-ASCII Latin
text is Western (windows-1252) unless its bytes clearly say another script."""

from __future__ import annotations

import pytest

from pipeline.ingest.decode import codec_of, declared_charset, decode_bytes

POUND = "Shares in the firm rose after it reported a profit of £15.8m for the year, up from last year.\n"


def test_one_pound_sign_in_latin_1_is_western_not_shift_jis():
    assert decode_bytes(POUND.encode("latin-1")) == (POUND, "cp1252")


def test_a_windows_1252_pound_sign_is_not_read_as_central_european():
    text = "The council agreed a £2bn budget – its largest – on Tuesday.\n"
    assert decode_bytes(text.encode("cp1252")) == (text, "cp1252")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Rada miasta zdecydowała, że nowy most połączy obie dzielnice już w przyszłym roku.\n", "iso-8859-2"),
        ("Příliš žluťoučký kůň úpěl ďábelské ódy, řekl včera mluvčí městského úřadu.\n", "iso-8859-2"),
        ("Der Bürgermeister eröffnete die neue Brücke über die Isar am Dienstag.\n", "cp1252"),
        ("Городской совет утвердил строительство нового моста через реку.\n", "cp1251"),
        ("Το δημοτικό συμβούλιο ενέκρινε την κατασκευή της νέας γέφυρας.\n", "cp1253"),
        ("市議会は火曜日、川に新しい橋を架ける計画を承認した。工事は来年の春に始まる。\n", "shift_jis"),
        ("시의회는 화요일 강을 가로지르는 새 다리 건설 계획을 승인했다. 공사는 내년 봄에 시작된다.\n", "euc-kr"),
        ("市议会周二批准了在河上修建新桥的计划。工程将于明年春天开始。\n", "gb18030"),
    ],
)
def test_a_text_in_a_legacy_encoding_comes_back_exactly(text, encoding):
    assert decode_bytes(text.encode(encoding))[0] == text


def test_a_declared_charset_wins_over_the_evidence():
    data = "Zürich\n".encode("cp1252")
    assert decode_bytes(data, "text/plain; charset=iso-8859-15") == ("Zürich\n", "iso8859-15")


def test_a_page_s_meta_charset_is_a_declaration():
    page = '<html><head><meta charset="windows-1250"></head><body>Łódź</body></html>'
    assert decode_bytes(page.encode("cp1250")) == (page, "cp1250")


def test_a_charset_the_bytes_do_not_fit_falls_back_to_the_evidence():
    text = "Grüße aus Köln\n"
    assert decode_bytes(text.encode("utf-8"), "text/html; charset=us-ascii") == (text, "utf-8")


def test_a_byte_order_mark_wins_over_a_declaration():
    text = "Grüße\n"
    assert decode_bytes(text.encode("utf-16"), "text/plain; charset=iso-8859-1")[0] == text


def test_charset_labels_are_read_as_browsers_read_them():
    assert codec_of("ISO-8859-1") == "cp1252"
    assert codec_of("GB2312") == "gb18030"
    assert codec_of("Shift_JIS") == "cp932"
    assert codec_of("no-such-charset") is None
    assert declared_charset(b"x", "text/html") is None
    assert declared_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">') == "cp949"
