//! Escaping for the markup Switchboard writes: SSML for a TTS engine, the HTML test report,
//! JUnit XML and Twilio's TwiML. One escaper, so they cannot drift apart.
//!
//! The output is safe both as element text and as an attribute value in single or double
//! quotes, in HTML and in XML 1.0: `'` becomes `&#39;` rather than `&apos;`, which HTML before
//! version 5 does not know.

/// `text` escaped for element text or a quoted attribute value.
///
/// ```
/// use switchboard_speech::markup;
///
/// assert_eq!(markup::escape("<b title=\"it's\">&</b>"), "&lt;b title=&quot;it&#39;s&quot;&gt;&amp;&lt;/b&gt;");
/// ```
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(text, &mut out);
    out
}

/// Appends `text`, escaped as [`escape`] does, to `out`.
pub fn escape_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // XML 1.0 cannot carry these at all, even escaped: a TTS engine or a CI server
            // would reject the whole document over one stray control character.
            c if c < ' ' && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}
