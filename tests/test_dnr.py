from namndsok.identifiers import dnr_key, find_dnr_keys, key_matches, parse_dnr_line


def test_written_forms_share_one_key():
    assert dnr_key("UBN.2023.428") == dnr_key("2023/428") == "2023/428"
    assert dnr_key("UBN.2023/467") == "2023/467"
    assert dnr_key("PU 2020/0011") == "2020/11"
    assert dnr_key("KS 2015/0119-100") == "2015/119-100"


def test_dnr_lines_keep_the_written_form():
    assert parse_dnr_line("Dnr. PU 2020/0011") == "PU 2020/0011"
    assert parse_dnr_line("Diarienummer:UBN.2023.428") == "UBN.2023.428"
    assert parse_dnr_line("Diarienummer: 2023/109") == "2023/109"
    assert parse_dnr_line("Dnr KS 2015/0119-100") == "KS 2015/0119-100"
    assert parse_dnr_line("Dnr 2021/0003 ") == "2021/0003"
    assert parse_dnr_line("Diarienummer: ÄRENDENUMMER") is None


def test_not_dnrs():
    assert dnr_key("läsåret 2019/2020") is None
    assert find_dnr_keys("under läsåret 2022/23 och mötet 2023.11.20") == []
    assert find_dnr_keys("kl. 08.15-08.20 och 10:3") == []
    assert find_dnr_keys("medborgarförslag nr 25/2019") == []


def test_query_matches_sub_numbered_dnr():
    assert key_matches("2015/119", "2015/119-100")
    assert not key_matches("2015/11", "2015/119-100")
