//! `switchboard lint --critique`: the guide's meta-prompts, sent with the compiled prompt to an
//! OpenAI-compatible Chat Completions endpoint.
//!
//! Every failure here (no configuration, the endpoint unreachable, an HTTP error, an answer
//! that is not a Chat Completion) exits 2: it says nothing about the agent, so it must not be
//! mistaken for exit 1, "problems found in the agent".

use std::time::Duration;

use serde_json::{Value, json};

use super::super::{Error, Outcome};
use crate::cli::LintArgs;

/// The guide's Prompt-Critique Expert meta-prompt, verbatim (the guide suggests GPT-5).
pub(super) const CRITIQUE_PROMPT: &str = r#"## Role & Objective
You are a **Prompt-Critique Expert**.
Examine a user-supplied LLM prompt and surface any weaknesses following the instructions below.
## Instructions
Review the prompt that is meant for an LLM to follow and identify the following issues:
- Ambiguity: Could any wording be interpreted in more than one way?
- Lacking Definitions: Are there any class labels, terms, or concepts that are not defined that might be misinterpreted by an LLM?
- Conflicting, missing, or vague instructions: Are directions incomplete or contradictory?
- Unstated assumptions: Does the prompt assume the model has to be able to do something that is not explicitly stated?
## Do **NOT** list issues of the following types:
- Invent new instructions, tool calls, or external information. You do not know what tools need to be added that are missing.
- Issues that you are unsure about.
## Output Format
"""
# Issues
- Numbered list; include brief quote snippets.
# Improvements
- Numbered list; provide the revised lines you would change and how you would change them.
# Revised Prompt
- Revised prompt where you have applied all your improvements surgically with minimal edits to the original prompt
""""#;

/// The guide's targeted meta-prompt, verbatim, with its `{CURRENT_PROMPT}` and `{ISSUE}`.
pub(super) const ISSUE_PROMPT: &str = "Here's my current prompt to an LLM:
[BEGIN OF CURRENT PROMPT]
{CURRENT_PROMPT}
[END OF CURRENT PROMPT]
But I see this issue happening from the LLM:
[BEGIN OF ISSUE]
{ISSUE}
[END OF ISSUE]
Can you provide some variants of the prompt so that the model can better understand the constraints to alleviate the issue?";

/// How long a critique may take: reasoning models answer slowly.
const TIMEOUT: Duration = Duration::from_secs(300);

/// Where to send the request.
struct Endpoint {
    base_url: String,
    api_key: String,
    model: String,
}

/// A flag, else the environment variable, ignoring empty values.
fn setting(flag: Option<&str>, var: &str) -> Option<String> {
    flag.map(str::to_owned)
        .or_else(|| std::env::var(var).ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn endpoint(args: &LintArgs) -> Result<Endpoint, Error> {
    let base_url = setting(args.base_url.as_deref(), "OPENAI_BASE_URL");
    let api_key = setting(args.api_key.as_deref(), "OPENAI_API_KEY");
    let model = setting(args.model.as_deref(), "SWITCHBOARD_CRITIQUE_MODEL");
    match (base_url, api_key, model) {
        (Some(base_url), Some(api_key), Some(model)) => Ok(Endpoint {
            base_url,
            api_key,
            model,
        }),
        (base_url, api_key, model) => {
            let missing: Vec<&str> = [
                (base_url.is_none(), "a base URL"),
                (api_key.is_none(), "an API key"),
                (model.is_none(), "a model"),
            ]
            .into_iter()
            .filter_map(|(gone, what)| gone.then_some(what))
            .collect();
            Err(format!(
                "--critique needs an OpenAI-compatible Chat Completions endpoint; missing {}.
Configure it with flags or environment variables:
  --base-url URL   or OPENAI_BASE_URL              e.g. https://api.openai.com/v1
  --api-key KEY    or OPENAI_API_KEY               (prefer the variable)
  --model MODEL    or SWITCHBOARD_CRITIQUE_MODEL   e.g. gpt-5, as the guide suggests",
                missing.join(", ")
            )
            .into())
        }
    }
}

/// The compiled prompt: the instructions, or every state's under `=== state: <id> ===`.
fn compiled_prompt(path: &std::path::Path) -> Result<String, Error> {
    let name = path.display().to_string();
    let loaded = super::super::load_agent(path)?;
    let rendered = switchboard_agent::render_all(&loaded.agent)
        .map_err(|e| format!("{name} cannot be compiled: {e} (run `switchboard lint {name}`)"))?;
    if loaded.agent.dynamic.is_none() {
        return Ok(rendered.into_iter().map(|r| r.instructions).collect());
    }
    let states: Vec<String> = rendered
        .iter()
        .map(|r| {
            format!(
                "=== state: {} ===\n{}",
                r.state.as_deref().unwrap_or_default(),
                r.instructions
            )
        })
        .collect();
    Ok(states.join("\n"))
}

/// The Chat Completions messages: the critique meta-prompt as the system message and the
/// prompt as the user's; or, with an issue, the targeted meta-prompt as one user message.
fn messages(prompt: &str, issue: Option<&str>) -> Value {
    match issue {
        None => json!([
            {"role": "system", "content": CRITIQUE_PROMPT},
            {"role": "user", "content": prompt},
        ]),
        Some(issue) => json!([{
            "role": "user",
            "content": ISSUE_PROMPT
                .replace("{CURRENT_PROMPT}", prompt.trim_end())
                .replace("{ISSUE}", issue.trim()),
        }]),
    }
}

pub(super) fn run(args: &LintArgs) -> Result<Outcome, Error> {
    let [path] = args.paths.as_slice() else {
        return Err("--critique takes exactly one agent file".into());
    };
    let endpoint = endpoint(args)?;
    let prompt = compiled_prompt(path)?;
    let answer = ask(&endpoint, &messages(&prompt, args.issue.as_deref()))
        // Whatever the server echoes, the key is not printed.
        .map_err(|e| e.replace(&endpoint.api_key, "[redacted]"))?;
    println!("{}", answer.trim_end());
    Ok(Outcome::Success)
}

/// POSTs the request and returns `choices[0].message.content`.
fn ask(endpoint: &Endpoint, messages: &Value) -> Result<String, String> {
    let url = format!(
        "{}/chat/completions",
        endpoint.base_url.trim_end_matches('/')
    );
    let client = reqwest::blocking::Client::builder()
        .timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("cannot set up an HTTP client: {e}"))?;
    let response = client
        .post(&url)
        .bearer_auth(&endpoint.api_key)
        .json(&json!({"model": endpoint.model, "messages": messages}))
        .send()
        .map_err(|e| format!("cannot reach {url}: {e}"))?;
    let status = response.status();
    let body = response
        .text()
        .map_err(|e| format!("{url} answered HTTP {status} but the body could not be read: {e}"))?;
    if !status.is_success() {
        // OpenAI-style errors carry `error.message`; otherwise show the start of the body.
        let detail = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| body.chars().take(300).collect());
        return Err(format!("{url} answered HTTP {status}: {}", detail.trim()));
    }
    let value: Value = serde_json::from_str(&body).map_err(|e| {
        format!("{url} answered HTTP {status}, but not with JSON ({e}); is the base URL an OpenAI-compatible API?")
    })?;
    value["choices"][0]["message"]["content"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| {
            format!("{url} answered without `choices[0].message.content`; is it a Chat Completions endpoint?")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_variant_fills_both_placeholders() {
        let m = messages(
            "# Role\nBe brief.\n",
            Some("It reads card numbers too fast."),
        );
        let content = m[0]["content"].as_str().expect("a string");
        assert!(
            content
                .contains("[BEGIN OF CURRENT PROMPT]\n# Role\nBe brief.\n[END OF CURRENT PROMPT]")
        );
        assert!(
            content.contains("[BEGIN OF ISSUE]\nIt reads card numbers too fast.\n[END OF ISSUE]")
        );
        assert!(!content.contains('{'));
    }

    #[test]
    fn the_critique_goes_as_system_then_user() {
        let m = messages("prompt", None);
        assert_eq!(m[0]["role"], "system");
        assert_eq!(m[0]["content"], CRITIQUE_PROMPT);
        assert_eq!(m[1], json!({"role": "user", "content": "prompt"}));
    }
}
