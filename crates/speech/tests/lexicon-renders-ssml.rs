//! The lexicon renders SSML for espeak-ng: `<sub alias>` for each term, everything escaped.

use switchboard_speech::Lexicon;

fn guide() -> Lexicon {
    Lexicon::new()
        .with("SQL", "sequel")
        .with("PostgreSQL", "post-gress")
        .with("Kyiv", "KEE-iv")
        .with("Huawei", "HWAH-way")
}

#[test]
fn the_guides_pronunciations() {
    assert_eq!(
        guide().to_ssml("PostgreSQL speaks SQL in Kyiv on a Huawei."),
        "<speak><sub alias=\"post-gress\">PostgreSQL</sub> speaks <sub alias=\"sequel\">SQL</sub> \
         in <sub alias=\"KEE-iv\">Kyiv</sub> on a <sub alias=\"HWAH-way\">Huawei</sub>.</speak>"
    );
}

#[test]
fn text_terms_and_aliases_are_escaped() {
    let lexicon = Lexicon::new()
        .with("R&D", "R and D")
        .with("Q", "\"cue\" <'q'> & co");
    for (text, ssml) in [
        ("", "<speak></speak>"),
        (
            "a < b && c > \"d\" 'e'",
            "<speak>a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;</speak>",
        ),
        ("R&D", "<speak><sub alias=\"R and D\">R&amp;D</sub></speak>"),
        (
            "Q?",
            "<speak><sub alias=\"&quot;cue&quot; &lt;&#39;q&#39;&gt; &amp; co\">Q</sub>?</speak>",
        ),
        (
            "</speak><speak>",
            "<speak>&lt;/speak&gt;&lt;speak&gt;</speak>",
        ),
    ] {
        assert_eq!(lexicon.to_ssml(text), ssml, "{text:?}");
    }
}

#[test]
fn characters_xml_cannot_carry_are_dropped() {
    assert_eq!(
        Lexicon::new().to_ssml("a\u{0}b\u{1b}c\td\ne"),
        "<speak>abc\td\ne</speak>"
    );
}
