//! One escaper for every document Switchboard writes (SSML, the HTML report, JUnit XML, TwiML):
//! its output is safe as element text and inside a quoted attribute, single or double.

use switchboard_speech::markup;

#[test]
fn the_five_special_characters_are_escaped() {
    assert_eq!(markup::escape("& < > \" '"), "&amp; &lt; &gt; &quot; &#39;");
    assert_eq!(
        markup::escape("<script>\"x\"&"),
        "&lt;script&gt;&quot;x&quot;&amp;"
    );
}

#[test]
fn text_without_special_characters_is_unchanged() {
    for text in [
        "",
        "plain words",
        "Kyiv, café, 東京, 🙂",
        "tab\tnew\nline\r",
    ] {
        assert_eq!(markup::escape(text), text);
    }
}

#[test]
fn characters_xml_cannot_carry_are_dropped() {
    assert_eq!(
        markup::escape("a\u{0}b\u{1b}c\u{7}d\u{FFFE}e\u{FFFF}f"),
        "abcdef"
    );
}

#[test]
fn escaping_appends_to_a_buffer() {
    let mut out = String::from("<p title=\"");
    markup::escape_into("'a' & \"b\"", &mut out);
    out.push_str("\">");
    assert_eq!(out, "<p title=\"&#39;a&#39; &amp; &quot;b&quot;\">");
}
