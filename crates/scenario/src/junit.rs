//! JUnit XML: one `testsuite`, one `testcase` per scenario, a `failure` per failed one.

use std::fmt::Write as _;

use crate::run::Report;

/// `text` with the five XML special characters escaped, and control characters XML 1.0
/// cannot hold dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML report of `reports`, as one test suite named `suite`.
pub fn render(suite: &str, reports: &[Report]) -> String {
    let failures = reports.iter().filter(|r| !r.passed()).count();
    let total: f64 = reports.iter().map(|r| r.duration.as_secs_f64()).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{total:.3}\">",
        escape(suite),
        reports.len()
    );
    for report in reports {
        let _ = write!(
            out,
            "  <testcase name=\"{}\" classname=\"{}\" file=\"{}\" time=\"{:.3}\"",
            escape(&report.name),
            escape(suite),
            escape(&report.path.display().to_string()),
            report.duration.as_secs_f64()
        );
        if report.passed() {
            out.push_str("/>\n");
            continue;
        }
        out.push_str(">\n");
        let summary = format!(
            "{} of {} assertions failed",
            report.failures.len(),
            report.checked
        );
        let body: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{}: {}", f.assertion, f.message))
            .collect();
        let _ = writeln!(
            out,
            "    <failure message=\"{}\" type=\"assertion\">{}</failure>",
            escape(&summary),
            escape(&body.join("\n"))
        );
        out.push_str("  </testcase>\n");
    }
    out.push_str("</testsuite>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("a<b & \"c\" 'd'>\u{1}"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
    }
}
