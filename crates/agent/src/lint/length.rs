//! The length rule: one answer to "how many sentences per turn".

use std::fmt;

use super::Rule;
use super::prose::{Context, normalize};
use crate::diagnostic::Diagnostic;

/// How many sentences a rule allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Count {
    min: u32,
    /// `None`: no upper bound ("at least 2 sentences").
    max: Option<u32>,
}

impl Count {
    fn overlaps(self, other: Count) -> bool {
        let below = |a: Count, b: Count| a.max.is_some_and(|max| max < b.min);
        !below(self, other) && !below(other, self)
    }
}

impl fmt::Display for Count {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = |n: u32| if n == 1 { "sentence" } else { "sentences" };
        match self.max {
            None => write!(f, "at least {} {}", self.min, unit(self.min)),
            Some(max) if max == self.min => write!(f, "{max} {}", unit(max)),
            Some(max) if self.min <= 1 => write!(f, "at most {max} {}", unit(max)),
            Some(max) => write!(f, "{}–{max} sentences", self.min),
        }
    }
}

fn number(token: &str) -> Option<u32> {
    const WORDS: [&str; 10] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    match token {
        "a" | "an" | "single" => Some(1),
        _ => token.parse().ok().or_else(|| {
            WORDS
                .iter()
                .position(|w| *w == token)
                .and_then(|i| u32::try_from(i + 1).ok())
        }),
    }
}

/// `2-3` → (2, 3).
fn range(token: &str) -> Option<(u32, u32)> {
    let (a, b) = token.split_once('-')?;
    Some((number(a)?, number(b)?))
}

/// Sentence counts stated in `text`: (count, char start, char len). Understands "2–3
/// sentences", "one sentence", "two to three sentences", "no more than 2 sentences", "at
/// most", "up to", "at least", "a single short sentence", "a sentence or two".
fn sentence_counts(text: &str) -> Vec<(Count, usize, usize)> {
    let text = normalize(text);
    let mut tokens: Vec<(usize, &str)> = Vec::new();
    let mut start = None;
    let separator = |c: char| c.is_whitespace() || ".,;:!?()\"“”/".contains(c);
    for (chars, (byte, c)) in text.char_indices().enumerate() {
        match (separator(c), start) {
            (false, None) => start = Some((chars, byte)),
            (true, Some((at, from))) => {
                tokens.push((at, &text[from..byte]));
                start = None;
            }
            _ => {}
        }
    }
    if let Some((at, from)) = start {
        tokens.push((at, &text[from..]));
    }
    let word = |i: usize| tokens.get(i).map_or("", |(_, w)| *w);
    let mut out = Vec::new();
    for k in 1..tokens.len() {
        if !matches!(word(k), "sentence" | "sentences") {
            continue;
        }
        let end = tokens[k].0 + word(k).chars().count();
        let mut j = k - 1;
        if number(word(j)).is_none() && range(word(j)).is_none() && j > 0 {
            j -= 1; // one adjective: "one short sentence"
        }
        if let Some((a, b)) = range(word(j)) {
            out.push((
                Count {
                    min: a.min(b),
                    max: Some(a.max(b)),
                },
                tokens[j].0,
                end - tokens[j].0,
            ));
            continue;
        }
        let Some(mut n) = number(word(j)) else {
            continue;
        };
        if word(j) == "single" && j > 0 && matches!(word(j - 1), "a" | "one") {
            j -= 1;
        }
        let back = |d: usize| if j >= d { word(j - d) } else { "" };
        let (count, from) = if matches!(back(1), "to" | "or" | "-" | "and")
            && number(back(2)).is_some()
        {
            let m = number(back(2)).unwrap_or(n);
            (
                Count {
                    min: m.min(n),
                    max: Some(m.max(n)),
                },
                j - 2,
            )
        } else if back(1) == "most" && back(2) == "at"
            || back(1) == "to" && back(2) == "up"
            || back(1) == "than" && back(2) == "more" && back(3) == "no"
            || matches!(back(1), "max" | "maximum" | "within")
        {
            let from = j - if matches!(back(1), "max" | "maximum" | "within") {
                1
            } else if back(1) == "than" {
                3
            } else {
                2
            };
            (
                Count {
                    min: 1,
                    max: Some(n),
                },
                from,
            )
        } else if back(1) == "least" && back(2) == "at" {
            (Count { min: n, max: None }, j - 2)
        } else if back(1) == "than" && back(2) == "more" {
            (
                Count {
                    min: n + 1,
                    max: None,
                },
                j - 2,
            )
        } else if back(1) == "than" && matches!(back(2), "fewer" | "less") || back(1) == "under" {
            n = n.saturating_sub(1).max(1);
            (
                Count {
                    min: 1,
                    max: Some(n),
                },
                j - if back(1) == "under" { 1 } else { 2 },
            )
        } else if n == 1 && word(k + 1) == "or" && number(word(k + 2)).is_some() {
            let m = number(word(k + 2)).unwrap_or(1);
            let end = tokens[k + 2].0 + word(k + 2).chars().count();
            out.push((
                Count {
                    min: 1,
                    max: Some(m.max(1)),
                },
                tokens[j].0,
                end - tokens[j].0,
            ));
            continue;
        } else {
            (
                Count {
                    min: n,
                    max: Some(n),
                },
                j,
            )
        };
        out.push((count, tokens[from].0, end - tokens[from].0));
    }
    out
}

/// True for the prose that states global length rules.
fn global_rule(path: &str) -> bool {
    [
        "personality.",
        "tool_rules",
        "instructions.rules",
        "sections[",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// SB0118. The guide's `## Length` ("2–3 sentences per turn") sets brevity for every turn;
/// a second rule asking for a different count ("Answer in one sentence") is the kind of
/// conflicting instruction the guide warns against, and the model resolves it differently
/// from turn to turn. Likewise the supervisor's rephrase limit ("no more than N sentences")
/// should not allow more than the length rule.
pub(super) fn conflicting_length(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let mut counts = Vec::new();
    for prose in cx.prose.iter().filter(|p| global_rule(&p.path)) {
        for (count, start, len) in sentence_counts(prose.text) {
            let span = cx.span_within(&prose.path, start, len);
            counts.push((span, count, prose.path.as_str()));
        }
    }
    counts.sort_by_key(|(span, _, _)| span.map_or(usize::MAX, |s| s.offset));
    for (k, (span, count, _)) in counts.iter().enumerate() {
        let Some((first_span, first, first_path)) =
            counts[..k].iter().find(|(_, c, _)| !c.overlaps(*count))
        else {
            continue;
        };
        let mut d = Rule::ConflictingLength
            .diagnostic(format!(
                "this rule asks for {count}, but `{first_path}` asks for {first}"
            ))
            .at_opt(*span);
        if let Some(s) = first_span {
            d = d.note(format!("the other rule is at line {}", s.line));
        }
        out.push(d.hint("keep one length rule in `personality.length`, and scope any exception (\"when confirming, one sentence\")"));
    }

    let Some(supervisor) = &cx.agent.supervisor else {
        return;
    };
    let limit = counts
        .iter()
        .filter(|(_, _, path)| path.starts_with("personality.length"))
        .map(|(_, c, _)| c.max)
        .collect::<Option<Vec<u32>>>()
        .and_then(|maxes| maxes.into_iter().max());
    let n = supervisor.rephrase.max_sentences;
    if let Some(limit) = limit
        && n > limit
    {
        out.push(
            Rule::ConflictingLength
                .diagnostic(format!(
                    "supervisor replies may have {n} sentences, but `personality.length` allows at most {limit}"
                ))
                .at_opt(cx.doc.span_of("supervisor.rephrase.max_sentences"))
                .hint(format!("set `supervisor.rephrase.max_sentences: {limit}` or less")),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(text: &str) -> Vec<String> {
        sentence_counts(text)
            .iter()
            .map(|(c, _, _)| c.to_string())
            .collect()
    }

    #[test]
    fn sentence_counts_are_read_in_their_common_forms() {
        assert_eq!(counts("2–3 sentences per turn."), ["2–3 sentences"]);
        assert_eq!(counts("Answer in one sentence."), ["1 sentence"]);
        assert_eq!(counts("two to three sentences"), ["2–3 sentences"]);
        assert_eq!(
            counts("Keep it short: no more than 2 sentences."),
            ["at most 2 sentences"]
        );
        assert_eq!(counts("Use a single short sentence"), ["1 sentence"]);
        assert_eq!(counts("a sentence or two"), ["at most 2 sentences"]);
        assert_eq!(counts("at least 2 sentences"), ["at least 2 sentences"]);
        assert_eq!(
            counts("an opener + one-sentence gist"),
            Vec::<String>::new()
        );
        let (_, start, len) = sentence_counts("Reply in 1 sentence.")[0];
        assert_eq!((start, len), (9, 10));
    }

    #[test]
    fn ranges_overlap_or_not() {
        let c = |min, max| Count { min, max };
        assert!(c(2, Some(3)).overlaps(c(1, Some(2))));
        assert!(!c(2, Some(3)).overlaps(c(1, Some(1))));
        assert!(c(2, None).overlaps(c(1, Some(5))));
    }
}
