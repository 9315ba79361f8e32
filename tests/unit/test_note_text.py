from app.notes.text import hashtags, mentions, normalize_tag, render


def test_hashtags_inside_chinese_text_full_width_and_case():
    body = "今天去#露營，超開心！#Camping 還有＃ＹＳＬ口紅 #咖啡。a#b http://x.tld/#frag &#39;"
    assert hashtags(body) == ["露營", "camping", "ysl口紅", "咖啡"]


def test_mentions_after_chinese_but_not_emails():
    assert mentions("謝謝@mei_li 和 @Bob_99！寫信到 a@b.com，@ab 太短") == ["mei_li", "bob_99"]


def test_normalize_tag():
    assert normalize_tag(" ＃露營 ") == "露營"
    assert normalize_tag("#iPhone15") == "iphone15"


def test_render_escapes_and_links():
    html = str(render("<img src=x onerror=alert(1)> #露營\n@mei_li", lambda t: f"/tags/{t}", lambda u: f"/u/{u}"))
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert '<a class="hashtag" href="/tags/露營">#露營</a>' in html
    assert '<br>\n<a class="mention" href="/u/mei_li">@mei_li</a>' in html


def test_render_escapes_inside_links():
    html = str(render('#a"b', lambda t: f'/tags/{t}"onmouseover="x', lambda u: u))
    assert 'onmouseover="x' not in html
