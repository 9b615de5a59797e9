"""The article renderer: the KB's Markdown subset, with nothing an author writes able to run or inject."""
import pytest

from bot.helpcentre.markdown import render, safe_href


def test_numbered_steps_render_as_an_ordered_list_and_bullets_as_an_unordered_one():
    html = render("**Step by step**\n\n1. Open the app.\n2. Select **Sign in**.\n\n- Wait 5 minutes.\n- Check spam.")
    assert html == (
        "<p><strong>Step by step</strong></p>\n"
        "<ol><li>Open the app.</li><li>Select <strong>Sign in</strong>.</li></ol>\n"
        "<ul><li>Wait 5 minutes.</li><li>Check spam.</li></ul>"
    )


def test_a_list_that_starts_later_keeps_its_number_and_a_loose_list_stays_one_list():
    assert render("3. Third\n\n4. Fourth\n   continued") == '<ol start="3"><li>Third</li><li>Fourth continued</li></ol>'


def test_headings_sit_below_the_page_title_and_code_is_escaped():
    assert render("# Title\n## Part") == "<h2>Title</h2>\n<h3>Part</h3>"
    assert render("Type `<b>x</b>` here") == "<p>Type <code>&lt;b&gt;x&lt;/b&gt;</code> here</p>"
    assert render("```\n<script>\n```") == "<pre><code>&lt;script&gt;</code></pre>"


def test_raw_html_in_an_article_is_shown_as_text():
    html = render('<script>alert("x")</script>\n\n<img src=x onerror=alert(1)> & "quotes"')
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;" in html


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
    "vbscript:msgbox", "//evil.example/help/", "/admin", "ftp://files.example", "/help/en/x\\y",
])
def test_a_link_to_anything_but_http_or_a_help_centre_page_is_plain_text(url):
    html = render(f"See [the page]({url}) now")
    assert "<a" not in html and "href" not in html
    assert html == "<p>See the page now</p>"
    assert safe_href(url) is None


def test_external_links_are_nofollow_and_help_centre_links_are_kept_as_they_are():
    html = render("[Shop](https://shop.example/a?b=1&c=2) and [reset](/help/en/reset-password)")
    assert html == (
        '<p><a href="https://shop.example/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">Shop</a> and '
        '<a href="/help/en/reset-password">reset</a></p>'
    )


def test_a_quote_breaking_link_url_cannot_add_attributes():
    html = render('[x](https://a.example/"onmouseover="alert(1))')
    assert 'onmouseover="' not in html


def test_link_text_and_emphasis_are_escaped_too():
    assert render("[<i>hi</i>](https://a.example) *<u>*") == (
        '<p><a href="https://a.example" rel="noopener noreferrer nofollow">&lt;i&gt;hi&lt;/i&gt;</a> '
        "<em>&lt;u&gt;</em></p>"
    )
