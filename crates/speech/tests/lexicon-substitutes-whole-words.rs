//! A pronunciation lexicon replaces whole, same-case words, longest term first.

use switchboard_speech::Lexicon;

/// The guide's "Reference Pronunciations".
fn guide() -> Lexicon {
    Lexicon::new()
        .with("SQL", "sequel")
        .with("PostgreSQL", "post-gress")
        .with("Kyiv", "KEE-iv")
        .with("Huawei", "HWAH-way")
}

#[test]
fn the_guides_pronunciations() {
    let lexicon = guide();
    for (text, said) in [
        ("I know SQL.", "I know sequel."),
        ("PostgreSQL is not MySQL.", "post-gress is not MySQL."),
        ("Flights to Kyiv", "Flights to KEE-iv"),
        ("A Huawei phone", "A HWAH-way phone"),
        (
            "SQL, PostgreSQL, Kyiv and Huawei",
            "sequel, post-gress, KEE-iv and HWAH-way",
        ),
    ] {
        assert_eq!(lexicon.apply(text), said, "{text}");
    }
}

#[test]
fn only_whole_words_with_the_same_case() {
    let lexicon = guide();
    for text in [
        "sql and Sql",
        "SQLite",
        "MySQL",
        "NoSQL_db",
        "SQL2",
        "Kyivan",
        "HUAWEI",
        "",
    ] {
        assert_eq!(lexicon.apply(text), text, "{text:?}");
    }
    for (text, said) in [
        ("(SQL)", "(sequel)"),
        ("SQL-based", "sequel-based"),
        ("\"Kyiv\"", "\"KEE-iv\""),
        ("SQL SQL", "sequel sequel"),
        ("é SQL é", "é sequel é"),
    ] {
        assert_eq!(lexicon.apply(text), said, "{text:?}");
    }
}

#[test]
fn the_longest_term_at_a_position_wins() {
    let lexicon = guide().with("SQL Server", "sequel server");
    assert_eq!(
        lexicon.apply("SQL Server or SQL"),
        "sequel server or sequel"
    );
    let terms = Lexicon::new().with("C", "see").with("C++", "see plus plus");
    assert_eq!(terms.apply("C++ and C"), "see plus plus and see");
}

#[test]
fn replacements_are_not_searched_again() {
    let lexicon = Lexicon::new().with("A", "B").with("B", "A");
    assert_eq!(lexicon.apply("A B"), "B A");
}

#[test]
fn building_and_reading() {
    let mut lexicon: Lexicon = [("SQL", "sequel"), ("Kyiv", "KEE-iv")]
        .into_iter()
        .collect();
    assert_eq!(lexicon.len(), 2);
    assert_eq!(
        lexicon.insert("SQL", "ess-cue-ell"),
        Some("sequel".to_owned())
    );
    assert_eq!(lexicon.get("SQL"), Some("ess-cue-ell"));
    assert_eq!(lexicon.insert("", "nothing"), None);
    assert_eq!(lexicon.len(), 2);
    assert!(!lexicon.is_empty());
    assert!(Lexicon::new().is_empty());
    assert_eq!(
        lexicon.iter().collect::<Vec<_>>(),
        vec![("Kyiv", "KEE-iv"), ("SQL", "ess-cue-ell")]
    );
}
