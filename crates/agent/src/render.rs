//! The compiler: an agent file → the instructions text, in the guide's order and headings, and
//! the GA `session.update` that configures a session with it.
//!
//! Output is deterministic: the same file always renders the same bytes, so rendered prompts
//! can be checked in and compared.

use std::fmt::Write as _;

use serde_json::{Value, json};
use switchboard_wire as wire;

use crate::load::common_tool_name;
use crate::model::{
    AgentFile, AudioEncoding, Behaviour, CommonTool, Confirm, DynamicState, Effort,
    FailureCounting, Guard, Lines, McpServer, NoiseReduction, Phase, SayWhen, Supervisor, Tool,
    TurnDetection, UnclearAction, Variety,
};

/// Name of the tool a dynamic flow uses to move between states (the guide's name).
pub const STATE_TOOL: &str = "set_conversation_state";

/// What the compiler produced for one state (or for the whole agent, without a flow).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// The dynamic state this is for; `None` for an agent without a dynamic flow.
    pub state: Option<String>,
    /// The instructions text.
    pub instructions: String,
    /// The `session.update` event that applies it.
    pub session_update: wire::ClientEvent,
}

/// Why an agent could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenderError {
    /// `--state` named a state the agent does not have.
    UnknownState(String),
    /// `--state` was given for an agent without a dynamic flow.
    NoDynamicFlow,
    /// A dynamic state lists a tool that is not defined.
    UnknownTool {
        /// The state.
        state: String,
        /// The tool.
        tool: String,
    },
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::UnknownState(s) => write!(f, "the agent has no dynamic state `{s}`"),
            Self::NoDynamicFlow => write!(
                f,
                "the agent has no dynamic flow, so it has no states to render"
            ),
            Self::UnknownTool { state, tool } => {
                write!(
                    f,
                    "dynamic state `{state}` lists tool `{tool}`, which is not defined"
                )
            }
        }
    }
}

impl std::error::Error for RenderError {}

/// Renders the agent, or one state of its dynamic flow. Without `state`, a dynamic agent
/// renders its initial state.
pub fn render(agent: &AgentFile, state: Option<&str>) -> Result<Rendered, RenderError> {
    let state = match (&agent.dynamic, state) {
        (None, Some(_)) => return Err(RenderError::NoDynamicFlow),
        (None, None) => None,
        (Some(flow), wanted) => {
            let id = wanted.unwrap_or(&flow.initial);
            Some(
                flow.states
                    .iter()
                    .find(|s| s.id == id)
                    .ok_or_else(|| RenderError::UnknownState(id.to_owned()))?,
            )
        }
    };
    let tools = tools_for(agent, state)?;
    let instructions = instructions(agent, state, &tools);
    let mut session = session(
        agent,
        instructions.clone(),
        tools.iter().map(|t| wire_tool(agent, t)).collect(),
    );
    // `session.update` replaces only what it carries, so every state carries its effort: one
    // that left it out would keep the previous state's. The loader makes sure an agent whose
    // states set efforts has one of its own for the others.
    session.reasoning = agent.effort_in(state).map(wire_reasoning);
    Ok(Rendered {
        state: state.map(|s| s.id.clone()),
        instructions,
        session_update: wire::ClientEvent::SessionUpdate(wire::SessionUpdate {
            event_id: None,
            session,
        }),
    })
}

/// Renders every state of a dynamic flow in order, or the agent once when it has none.
pub fn render_all(agent: &AgentFile) -> Result<Vec<Rendered>, RenderError> {
    match &agent.dynamic {
        None => Ok(vec![render(agent, None)?]),
        Some(flow) => flow
            .states
            .iter()
            .map(|s| render(agent, Some(&s.id)))
            .collect(),
    }
}

/// A tool as the compiler sees it: defined by the agent, common, the supervisor, or the
/// state-change tool of a dynamic state.
#[derive(Debug, Clone, Copy)]
enum ToolRef<'a> {
    Defined(&'a Tool),
    Common(CommonTool),
    Supervisor(&'a Supervisor),
    StateChange(&'a DynamicState),
    /// A remote MCP server: one `type: "mcp"` tool, offered in every state.
    Mcp(&'a McpServer),
}

fn tools_for<'a>(
    agent: &'a AgentFile,
    state: Option<&'a DynamicState>,
) -> Result<Vec<ToolRef<'a>>, RenderError> {
    let mut tools = Vec::new();
    match state {
        // The supervisor's back-office tools are its own: the responder only collects their
        // parameters, so offering them to it invites the very calls the guide rules out.
        None => tools.extend(
            agent
                .tools
                .iter()
                .filter(|t| {
                    agent
                        .supervisor
                        .as_ref()
                        .is_none_or(|s| !s.tools.contains(&t.name))
                })
                .map(ToolRef::Defined),
        ),
        Some(state) => {
            for name in &state.tools {
                let tool = agent
                    .tools
                    .iter()
                    .find(|t| &t.name == name)
                    .ok_or_else(|| RenderError::UnknownTool {
                        state: state.id.clone(),
                        tool: name.clone(),
                    })?;
                tools.push(ToolRef::Defined(tool));
            }
        }
    }
    tools.extend(agent.mcp_servers.iter().map(ToolRef::Mcp));
    tools.extend(agent.common_tools.iter().copied().map(ToolRef::Common));
    if let Some(s) = &agent.supervisor {
        tools.push(ToolRef::Supervisor(s));
    }
    if let Some(state) = state {
        tools.push(ToolRef::StateChange(state));
    }
    Ok(tools)
}

// ---------------------------------------------------------------------------------------
// Instructions text

/// Writes `lines` as bullets, or as a paragraph when there is one entry.
fn block(out: &mut String, lines: &Lines) {
    match lines.0.as_slice() {
        [one] => {
            out.push_str(one.trim_end());
            out.push('\n');
        }
        many => bullets(out, many.iter().map(String::as_str)),
    }
}

/// Writes `- line` per line; a line that itself starts with `- ` is a sub-item of the one
/// before it, as in the guide's "Collecting parameters for later Supervisor use:" list.
fn bullets<'a>(out: &mut String, lines: impl IntoIterator<Item = &'a str>) {
    for line in lines {
        let line = line.trim_end();
        match line.strip_prefix("- ") {
            Some(sub) => {
                let _ = writeln!(out, "  - {sub}");
            }
            None => {
                let _ = writeln!(out, "- {line}");
            }
        }
    }
}

/// Ends a sentence that closes with a quoted phrase: no second full stop after `“…?”`.
fn end_sentence(text: &str) -> &'static str {
    let inner = text.trim_end_matches(['"', '“', '”']);
    if inner.ends_with(['.', '!', '?', '…']) {
        ""
    } else {
        "."
    }
}

fn quoted(text: &str) -> String {
    format!("“{}”", text.trim_matches(['"', '“', '”']))
}

struct Doc {
    out: String,
}

impl Doc {
    fn section(&mut self, title: &str, body: impl FnOnce(&mut String)) {
        let mut text = String::new();
        body(&mut text);
        if text.trim().is_empty() {
            return;
        }
        if !self.out.is_empty() {
            self.out.push('\n');
        }
        let _ = writeln!(self.out, "# {title}");
        self.out.push_str(&text);
    }
}

fn instructions(agent: &AgentFile, state: Option<&DynamicState>, tools: &[ToolRef<'_>]) -> String {
    let mut doc = Doc { out: String::new() };
    let role = state
        .map(|s| &s.objective)
        .filter(|o| !o.is_empty())
        .unwrap_or(&agent.role);
    doc.section("Role & Objective", |out| block(out, role));
    doc.section("Personality & Tone", |out| personality(out, agent));
    doc.section("Context", |out| block(out, &agent.context));
    doc.section("Reference Pronunciations", |out| {
        if agent.pronunciations.is_empty() {
            return;
        }
        out.push_str("When voicing these words, use the respective pronunciations:\n");
        for p in &agent.pronunciations {
            let _ = writeln!(
                out,
                "- Pronounce {} as {}.",
                quoted(&p.term),
                quoted(&p.say)
            );
        }
    });
    doc.section("Tools", |out| tools_section(out, agent, tools));
    let readback = agent.instructions.readback.is_some() || state.is_some_and(|s| s.readback);
    doc.section("Instructions / Rules", |out| rules(out, agent, readback));
    for section in &agent.sections {
        doc.section(&section.title, |out| block(out, &section.lines));
    }
    match state {
        Some(state) => doc.section(
            &format!(
                "Conversation ({})",
                state.title.as_deref().unwrap_or(&state.id)
            ),
            |out| {
                conversation_state(out, state);
            },
        ),
        None => {
            doc.section("Conversation Flow", |out| flow(out, agent));
            doc.section("Conversation States", |out| guide_states(out, agent));
        }
    }
    doc.section("Sample Phrases", |out| {
        if agent.sample_phrases.is_empty() {
            return;
        }
        out.push_str(
            "- Below are sample examples that you should use for inspiration. DO NOT ALWAYS USE THESE EXAMPLES, VARY YOUR RESPONSES.\n",
        );
        for group in &agent.sample_phrases {
            let phrases: Vec<String> = group.phrases.iter().map(|p| quoted(p)).collect();
            let _ = writeln!(out, "{}: {}", group.name, phrases.join(" "));
        }
    });
    doc.section("Safety & Escalation", |out| escalation(out, agent));
    doc.out
}

fn personality(out: &mut String, agent: &AgentFile) {
    let p = &agent.personality;
    for (title, lines) in [
        ("Personality", &p.personality),
        ("Tone", &p.tone),
        ("Length", &p.length),
        ("Pacing", &p.pacing),
    ] {
        if !lines.is_empty() {
            let _ = writeln!(out, "## {title}");
            bullets(out, lines.iter());
        }
    }
    if let Some(language) = &p.language {
        out.push_str("## Language\n");
        if let Some(lock) = &language.lock {
            let _ = writeln!(out, "- The conversation will be only in {lock}.");
            out.push_str("- Do not respond in any other language even if the user asks.\n");
            let _ = writeln!(
                out,
                "- If the user speaks another language, politely explain that support is limited to {lock}."
            );
        }
        for mode in &language.modes {
            let _ = writeln!(out, "### {}\n{}", mode.name, mode.rule.trim_end());
        }
    }
    match &p.variety {
        Some(Variety::Guide(true)) => {
            out.push_str("## Variety\n- Do not repeat the same sentence twice.\n- Vary your responses so it doesn't sound robotic.\n");
        }
        Some(Variety::Custom(lines)) if !lines.is_empty() => {
            out.push_str("## Variety\n");
            bullets(out, lines.iter());
        }
        _ => {}
    }
    for extra in &p.extra {
        let _ = writeln!(out, "## {}", extra.title);
        bullets(out, extra.lines.iter());
    }
}

/// `name(a, b)` from the order of the schema's properties, as the guide writes tools.
fn signature(name: &str, parameters: &Value) -> String {
    let args: Vec<&str> = parameters
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| props.keys().map(String::as_str).collect())
        .unwrap_or_default();
    format!("{name}({})", args.join(", "))
}

fn behaviour_tag(b: Behaviour) -> &'static str {
    match b {
        Behaviour::Proactive => "PROACTIVE",
        Behaviour::ConfirmationFirst => "CONFIRMATION FIRST",
        Behaviour::Preamble => "PREAMBLES",
    }
}

fn tools_section(out: &mut String, agent: &AgentFile, tools: &[ToolRef<'_>]) {
    bullets(out, agent.tool_rules.iter());
    let behaviours: Vec<Behaviour> = tools
        .iter()
        .flat_map(|t| match t {
            ToolRef::Defined(t) => vec![t.behaviour],
            ToolRef::Mcp(server) => server.tools.iter().map(|t| t.behaviour).collect(),
            _ => vec![],
        })
        .collect();
    let uses = |b: Behaviour| behaviours.contains(&b);
    // The guide's explanation of the tags, for the tags in use.
    if uses(Behaviour::Proactive) {
        out.push_str("- For the tools marked PROACTIVE: do not ask for confirmation from the user and do not output a preamble.\n");
    }
    if uses(Behaviour::ConfirmationFirst) {
        out.push_str("- For the tools marked as CONFIRMATION FIRST: always ask for confirmation to the user.\n");
    }
    if uses(Behaviour::Preamble) {
        out.push_str("- For the tools marked as PREAMBLES: Before any tool call, say one short line like “I’m checking that now.” Then call the tool immediately.\n");
    }
    for tool in tools {
        match tool {
            ToolRef::Defined(t) => guidance(
                out,
                &signature(&t.name, &t.parameters),
                &Guidance {
                    behaviour: t.behaviour,
                    use_when: t.use_when.as_deref(),
                    avoid_when: t.avoid_when.as_deref(),
                    confirmation_phrase: t.confirmation_phrase.as_deref(),
                    confirm: &t.confirm,
                    preamble_phrases: &t.preamble_phrases,
                    on_failure: t.on_failure.as_deref(),
                    guards: &t.guards,
                },
            ),
            ToolRef::Mcp(server) => {
                // The server lists the tools and their parameters to the model itself; the
                // prompt adds only what the agent says about them.
                for t in &server.tools {
                    guidance(
                        out,
                        &format!("{} (on the {} server)", t.name, server.server_label),
                        &Guidance {
                            behaviour: t.behaviour,
                            use_when: t.use_when.as_deref(),
                            avoid_when: t.avoid_when.as_deref(),
                            confirmation_phrase: t.confirmation_phrase.as_deref(),
                            confirm: &t.confirm,
                            preamble_phrases: &t.preamble_phrases,
                            on_failure: t.on_failure.as_deref(),
                            guards: &t.guards,
                        },
                    );
                }
            }
            ToolRef::Common(c) => {
                let (sig, description) = common_tool_text(*c);
                let _ = writeln!(out, "## {sig}\nDescription: {description}");
            }
            ToolRef::Supervisor(s) => supervisor_section(out, s),
            ToolRef::StateChange(_) => {}
        }
    }
}

/// What the prompt says about one tool, function or MCP.
struct Guidance<'a> {
    behaviour: Behaviour,
    use_when: Option<&'a str>,
    avoid_when: Option<&'a str>,
    confirmation_phrase: Option<&'a str>,
    confirm: &'a Confirm,
    preamble_phrases: &'a [String],
    on_failure: Option<&'a str>,
    guards: &'a [Guard],
}

fn guidance(out: &mut String, heading: &str, t: &Guidance<'_>) {
    let _ = writeln!(out, "## {heading} — {}", behaviour_tag(t.behaviour));
    if let Some(when) = t.use_when {
        let _ = writeln!(out, "Use when: {}", when.trim_end());
    }
    if let Some(avoid) = t.avoid_when {
        let _ = writeln!(out, "Do NOT use when: {}", avoid.trim_end());
    }
    if let Some(phrase) = t.confirmation_phrase {
        let _ = writeln!(out, "Confirmation phrase: {}", quoted(phrase));
    }
    if !t.confirm.arguments.is_empty() {
        // The engine holds the call unless the question the caller heard named these
        // values: the prompt says so, so the model asks that way at once.
        let names: Vec<String> = t
            .confirm
            .arguments
            .iter()
            .map(|a| format!("`{a}`"))
            .collect();
        let _ = writeln!(
            out,
            "When asking, say the value of {} you will use; call only with those values once the user agrees.",
            names.join(" and ")
        );
    }
    match t.preamble_phrases {
        [] => {}
        [one] => {
            let _ = writeln!(out, "Preamble: {}", quoted(one));
        }
        many => {
            out.push_str("Preamble sample phrases:\n");
            for phrase in many {
                let _ = writeln!(out, "- {}", quoted(phrase));
            }
        }
    }
    if let Some(failure) = t.on_failure {
        let _ = writeln!(out, "If it fails: {}", failure.trim_end());
    }
    // The engine refuses a call that breaks a rule whatever the model does; saying the rules
    // here lets the model keep to them instead of being refused.
    if !t.guards.is_empty() {
        out.push_str("Rules (a call that breaks one is refused):\n");
        for guard in t.guards {
            let _ = writeln!(out, "- {}", guard.say.trim_end());
        }
    }
}

/// The guide's signature and description of a common tool.
fn common_tool_text(tool: CommonTool) -> (&'static str, &'static str) {
    match tool {
        CommonTool::Answer => (
            "answer(question: string)",
            "Call this when the customer asks a question that you don't have an answer to or asks to perform an action.",
        ),
        CommonTool::EscalateToHuman => (
            "escalate_to_human()",
            "Call this when a customer asks for escalation, or to talk to someone else, or expresses dissatisfaction with the call.",
        ),
        CommonTool::FinishSession => (
            "finish_session()",
            "Call this when a customer says they're done with the session or doesn't want to continue. If it's ambiguous, confirm with the customer before calling.",
        ),
    }
}

/// Argument of the supervisor tool, as the guide names it.
const SUPERVISOR_ARGUMENT: &str = "relevantContextFromLastUserMessage";

fn supervisor_section(out: &mut String, s: &Supervisor) {
    out.push_str("## Supervisor Tool\n");
    let _ = writeln!(out, "Name: {}({SUPERVISOR_ARGUMENT}: string)", s.tool_name);
    if !s.when_to_call.is_empty() {
        out.push_str("When to call:\n");
        bullets(out, s.when_to_call.iter());
    }
    if !s.when_not_to_call.is_empty() {
        out.push_str("When not to call:\n");
        bullets(out, s.when_not_to_call.iter());
    }
    let fillers: Vec<String> = s.fillers.iter().map(|f| quoted(f)).collect();
    out.push_str("Usage rules and preamble:\n");
    let _ = writeln!(
        out,
        "1) Say a neutral filler phrase to the user, then immediately call the tool. Approved fillers: {}{} Fillers must not imply success or failure.",
        fillers.join(", "),
        fillers.last().map_or(".", |f| end_sentence(f))
    );
    out.push_str("2) Do not mention the “Supervisor” when responding with filler phrase.\n");
    let _ = writeln!(
        out,
        "3) {SUPERVISOR_ARGUMENT} is a one-line summary of the latest user message; use an empty string if nothing salient."
    );
    out.push_str("4) After the tool returns, apply Rephrase Supervisor and send your reply.\n");
    out.push_str("### Rephrase Supervisor\n");
    let openers: Vec<String> = s.rephrase.openers.iter().map(|o| quoted(o)).collect();
    let _ = writeln!(
        out,
        "- Start with a brief conversational opener using active language, then flow into the answer (for example: {}).",
        openers.join(", ")
    );
    let n = s.rephrase.max_sentences;
    let _ = writeln!(
        out,
        "- Keep it short: no more than {n} sentence{}.",
        if n == 1 { "" } else { "s" }
    );
    out.push_str("- Use this template: opener + one-sentence gist + up to 3 key details + a quick confirmation or choice (for example: “Does that match what you expected?”, “Want me to review options?”).\n");
    out.push_str("- Read numbers for speech: money naturally (“$45.20” → “forty-five dollars and twenty cents”), phone numbers 3-3-4, addresses with individual digits, dates/times plainly (“August twelfth”, “three-thirty p.m.”).\n");
}

fn rules(out: &mut String, agent: &AgentFile, readback: bool) {
    bullets(out, agent.instructions.rules.iter());
    if readback {
        let r = agent.instructions.readback.clone().unwrap_or_default();
        let example = ["4", "1", "5"].join(&r.separator);
        out.push_str("## Readback\n");
        let _ = writeln!(
            out,
            "- When reading numbers or codes, speak each character separately, separated by {} (e.g., {example}).",
            separator_name(&r.separator)
        );
        out.push_str("- Repeat EXACTLY the provided number, do not forget any.\n");
        if r.phonetic {
            out.push_str("- For letters, add a phonetic cue (e.g., “A as in Alpha”).\n");
        }
        if r.confirm {
            out.push_str("- After reading it back, ask the user to confirm it. If the user corrects you, confirm AGAIN to make sure you understand.\n");
        }
    }
    if let Some(unclear) = &agent.instructions.unclear_audio {
        out.push_str("## Unclear audio\n");
        out.push_str(
            "- Always respond in the same language the user is speaking in, if unintelligible.\n",
        );
        out.push_str("- Only respond to clear audio or text.\n");
        // The guide's `{preferred_language}`; without one, the caller's own language.
        let phrases = unclear.language.as_deref().map_or_else(
            || "in the language the user is speaking".to_owned(),
            |language| format!("using {language} phrases"),
        );
        let action = match unclear.action {
            UnclearAction::Clarify => format!("ask for clarification {phrases}"),
            UnclearAction::RepeatQuestion => format!("repeat your last question {phrases}"),
        };
        let _ = writeln!(
            out,
            "- If the user's audio is not clear (e.g. ambiguous input/background noise/silent/unintelligible) or if you did not fully hear or understand the user, {action}."
        );
    }
}

fn separator_name(separator: &str) -> String {
    match separator {
        "-" => "hyphens".to_owned(),
        " " => "spaces".to_owned(),
        "," | ", " => "commas".to_owned(),
        other => format!("“{other}”"),
    }
}

fn flow(out: &mut String, agent: &AgentFile) {
    for (i, phase) in agent.flow.iter().enumerate() {
        let _ = writeln!(out, "## {}) {}", i + 1, phase.title);
        let _ = writeln!(out, "Goal: {}", phase.goal.trim_end());
        if !phase.respond.is_empty() || phase.readback {
            out.push_str("How to respond:\n");
            bullets(out, phase.respond.iter());
            if phase.readback {
                out.push_str("- When reading numbers or codes, speak each character separately, separated by hyphens (e.g., 4-1-5).\n");
            }
        }
        if !phase.sample_phrases.is_empty() {
            out.push_str(
                "Sample phrases (do not always repeat the same phrases, vary your responses):\n",
            );
            bullets(
                out,
                phase
                    .sample_phrases
                    .iter()
                    .map(|p| quoted(p))
                    .collect::<Vec<_>>()
                    .iter()
                    .map(String::as_str),
            );
        }
        let _ = writeln!(
            out,
            "{}: {}",
            exit_label(agent, i, phase),
            phase.exit.trim_end()
        );
    }
}

/// `Exit when` when the flow simply moves on; `Exit to <title>` when the phase names another.
fn exit_label(agent: &AgentFile, index: usize, phase: &Phase) -> String {
    let following = agent.flow.get(index + 1).map(|p| p.id.as_str());
    match &phase.next {
        Some(next) if Some(next.as_str()) != following => {
            let title = agent
                .flow
                .iter()
                .find(|p| &p.id == next)
                .map_or(next.as_str(), |p| p.title.as_str());
            format!("Exit to {title}")
        }
        _ => "Exit when".to_owned(),
    }
}

fn guide_states(out: &mut String, agent: &AgentFile) {
    if agent.states.is_empty() {
        return;
    }
    let states: Vec<Value> = agent
        .states
        .iter()
        .map(|s| {
            let mut instructions = s.instructions.clone();
            if s.readback {
                instructions.push("When reading numbers or codes, speak each character separately, separated by hyphens (e.g., 4-1-5).".to_owned());
            }
            json!({
                "id": s.id,
                "description": s.description,
                "instructions": instructions,
                "examples": s.examples,
                "transitions": s.transitions.iter().map(|t| json!({"next_step": t.next_step, "condition": t.condition})).collect::<Vec<_>>(),
            })
        })
        .collect();
    out.push_str(&serde_json::to_string_pretty(&states).expect("plain JSON"));
    out.push('\n');
}

fn conversation_state(out: &mut String, state: &DynamicState) {
    bullets(out, state.instructions.iter());
    if let Some(exit) = &state.exit {
        let _ = writeln!(out, "Exit when: {}", exit.trim_end());
    }
    match state.transitions.as_slice() {
        [] => out.push_str("When exit is satisfied: end the call politely.\n"),
        [one] => {
            let _ = writeln!(
                out,
                "When exit is satisfied: call {STATE_TOOL}(next_state=\"{one}\")."
            );
        }
        many => {
            let options: Vec<String> = many.iter().map(|s| format!("\"{s}\"")).collect();
            let _ = writeln!(
                out,
                "When exit is satisfied: call {STATE_TOOL} with next_state set to one of {}.",
                options.join(", ")
            );
        }
    }
}

fn escalation(out: &mut String, agent: &AgentFile) {
    let Some(e) = &agent.escalation else { return };
    out.push_str("When to escalate (no extra troubleshooting):\n");
    bullets(out, e.triggers.iter());
    let failures = match e.count_failures {
        FailureCounting::PerTool => format!(
            "**{}** failed tool attempts on the same task **or** ",
            e.thresholds.failed_tool_attempts
        ),
        FailureCounting::AllTools => format!(
            "**{}** failed tool attempts in all **or** ",
            e.thresholds.failed_tool_attempts
        ),
        FailureCounting::Off => String::new(),
    };
    let _ = writeln!(
        out,
        "- {failures}**{}** consecutive no-match/no-input events",
        e.thresholds.no_input_or_match
    );
    match e.say_when {
        SayWhen::Before => {
            let _ = writeln!(
                out,
                "What to say at the same time of calling the {} tool (MANDATORY):",
                e.tool
            );
            let _ = writeln!(out, "- {}", quoted(&e.say));
            let _ = writeln!(out, "- Then call the tool: `{}`", e.tool);
        }
        SayWhen::After => {
            let _ = writeln!(out, "- First call the tool: `{}`", e.tool);
            let _ = writeln!(out, "What to say once it returns (MANDATORY):");
            let _ = writeln!(out, "- {}", quoted(&e.say));
        }
    }
    if !e.examples.is_empty() {
        out.push_str("Examples that would require escalation:\n");
        bullets(
            out,
            e.examples
                .iter()
                .map(quoted)
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str),
        );
    }
}

// ---------------------------------------------------------------------------------------
// session.update

fn wire_tool(agent: &AgentFile, tool: &ToolRef<'_>) -> wire::Tool {
    let (name, description, parameters) = match tool {
        ToolRef::Mcp(server) => return mcp_tool(server),
        ToolRef::Defined(t) => {
            let mut description = t.description.trim_end().to_owned();
            if !t.preamble_phrases.is_empty() {
                description.push_str("\nPreamble sample phrases:");
                for p in &t.preamble_phrases {
                    let _ = write!(description, "\n- {p}");
                }
            }
            (t.name.clone(), description, t.parameters.clone())
        }
        ToolRef::Common(c) => {
            let parameters = match c {
                CommonTool::Answer => json!({
                    "type": "object",
                    "properties": {"question": {"type": "string"}},
                    "required": ["question"]
                }),
                CommonTool::EscalateToHuman | CommonTool::FinishSession => json!({"type": "object", "properties": {}}),
            };
            (common_tool_name(*c).to_owned(), common_tool_text(*c).1.to_owned(), parameters)
        }
        ToolRef::Supervisor(s) => (
            s.tool_name.clone(),
            "Ask the supervisor for the next response: for factual, policy, account or process questions and actions. Say a neutral filler first.".to_owned(),
            json!({
                "type": "object",
                "properties": {SUPERVISOR_ARGUMENT: {
                    "type": "string",
                    "description": "A one-line summary of the latest user message; an empty string if nothing salient."
                }},
                "required": [SUPERVISOR_ARGUMENT]
            }),
        ),
        ToolRef::StateChange(state) => state_change_tool(agent, state),
    };
    // The loader holds every agent tool's parameters to a JSON object, and the compiler's own
    // tools are objects, so this reads as a function tool.
    official(json!({
        "type": "function",
        "name": name,
        "description": description,
        "parameters": parameters,
    }))
}

/// The `type: "mcp"` tool of a server, without its credentials ([`with_mcp_credentials`]
/// adds them where the session is sent).
fn mcp_tool(server: &McpServer) -> wire::Tool {
    let mut tool = json!({
        "type": "mcp",
        "server_label": server.server_label,
        "require_approval": server.approval(),
    });
    for (key, value) in [
        ("server_url", &server.server_url),
        ("connector_id", &server.connector_id),
        ("server_description", &server.server_description),
    ] {
        if let Some(value) = value {
            tool[key] = json!(value);
        }
    }
    if let Some(allowed) = &server.allowed_tools {
        tool["allowed_tools"] = json!(allowed);
    }
    official(tool)
}

/// `session.reasoning` for `effort`.
fn wire_reasoning(effort: Effort) -> wire::Reasoning {
    official(json!({ "effort": effort }))
}

/// A wire value from JSON in the official shape. The compiler writes tools, the prompt and
/// reasoning as the API spells them, and lets the wire crate read them, so these stay right
/// however the wire crate types their fields or keeps fields it does not name.
fn official<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value)
        .expect("the compiler writes only the official shape, which the wire crate reads")
}

/// An MCP credential the environment does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingVariable {
    /// The MCP server.
    pub server_label: String,
    /// The environment variable.
    pub variable: String,
}

impl std::fmt::Display for MissingVariable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "MCP server `{}` needs the environment variable {}, which is not set",
            self.server_label, self.variable
        )
    }
}

impl std::error::Error for MissingVariable {}

/// Adds the MCP servers' credentials to a rendered session, each read with `env` from the
/// variable the agent names. Rendered sessions carry none, so goldens, records and logs never
/// hold a secret: call this on the copy about to be sent upstream, and nowhere else.
pub fn with_mcp_credentials(
    agent: &AgentFile,
    session: &mut wire::Session,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), MissingVariable> {
    let read = |server: &McpServer, variable: &str| {
        env(variable).ok_or_else(|| MissingVariable {
            server_label: server.server_label.clone(),
            variable: variable.to_owned(),
        })
    };
    for tool in session.tools.iter_mut().flatten() {
        let wire::Tool::Mcp(tool) = tool else {
            continue;
        };
        let Some(server) = agent.mcp_server(&tool.server_label) else {
            continue;
        };
        if let Some(variable) = &server.authorization_env {
            tool.authorization = Some(read(server, variable)?);
        }
        if !server.headers_env.is_empty() {
            let mut headers = std::collections::BTreeMap::new();
            for (header, variable) in &server.headers_env {
                headers.insert(header.clone(), read(server, variable)?);
            }
            tool.headers = Some(headers);
        }
    }
    Ok(())
}

/// The guide's `build_state_change_tool`: the enum lists only this state's exits.
fn state_change_tool(_agent: &AgentFile, state: &DynamicState) -> (String, String, Value) {
    let readable = if state.transitions.is_empty() {
        "no further states (terminal)".to_owned()
    } else {
        state.transitions.join(", ")
    };
    let description = format!(
        "Switch the conversation phase. Current: '{}'. You may switch only to: {readable}. Call this AFTER exit criteria are satisfied.",
        state.id
    );
    let parameters = json!({
        "type": "object",
        "properties": {"next_state": {"type": "string", "enum": state.transitions}},
        "required": ["next_state"]
    });
    (STATE_TOOL.to_owned(), description, parameters)
}

fn format(encoding: AudioEncoding) -> wire::AudioFormat {
    match encoding {
        AudioEncoding::Pcm16 => wire::AudioFormat::pcm24k(),
        AudioEncoding::G711Ulaw => wire::AudioFormat::Pcmu,
        AudioEncoding::G711Alaw => wire::AudioFormat::Pcma,
    }
}

fn session(agent: &AgentFile, instructions: String, tools: Vec<wire::Tool>) -> wire::Session {
    let audio = &agent.audio;
    let turn_detection = match &audio.turn_detection {
        TurnDetection::ServerVad {
            threshold,
            prefix_padding_ms,
            silence_duration_ms,
            idle_timeout_ms,
        } => wire::Nullable::Value(wire::TurnDetection::ServerVad(wire::ServerVad {
            threshold: *threshold,
            prefix_padding_ms: *prefix_padding_ms,
            silence_duration_ms: *silence_duration_ms,
            idle_timeout_ms: idle_timeout_ms.map_or(wire::Nullable::Absent, wire::Nullable::Value),
            create_response: Some(true),
            interrupt_response: Some(true),
            ..Default::default()
        })),
        TurnDetection::SemanticVad { eagerness } => {
            wire::Nullable::Value(wire::TurnDetection::SemanticVad(wire::SemanticVad {
                eagerness: eagerness
                    .as_deref()
                    .and_then(|e| serde_json::from_value(Value::String(e.to_owned())).ok()),
                create_response: Some(true),
                interrupt_response: Some(true),
                ..Default::default()
            }))
        }
        TurnDetection::None => wire::Nullable::Null,
    };
    let input = wire::AudioInput {
        format: Some(format(audio.input_format)),
        transcription: audio
            .transcription
            .as_ref()
            .map_or(wire::Nullable::Absent, |model| {
                wire::Nullable::Value(wire::Transcription {
                    model: Some(model.clone()),
                    ..Default::default()
                })
            }),
        noise_reduction: audio.noise_reduction.map_or(wire::Nullable::Absent, |n| {
            wire::Nullable::Value(wire::NoiseReduction {
                kind: Some(match n {
                    NoiseReduction::NearField => wire::NoiseReductionKind::NearField,
                    NoiseReduction::FarField => wire::NoiseReductionKind::FarField,
                }),
                ..Default::default()
            })
        }),
        turn_detection,
        ..Default::default()
    };
    let output = wire::AudioOutput {
        format: Some(format(audio.output_format)),
        voice: Some(wire::Voice::Named(audio.voice.clone())),
        speed: audio.speed,
        ..Default::default()
    };
    wire::Session {
        kind: wire::SessionKind::Realtime,
        model: Some(agent.model.clone()),
        output_modalities: Some(vec![wire::Modality::Audio]),
        instructions: Some(instructions),
        audio: Some(wire::AudioConfig {
            input: Some(input),
            output: Some(output),
            ..Default::default()
        }),
        tools: Some(tools),
        tool_choice: Some(wire::ToolChoice::Mode(wire::ToolChoiceMode::Auto)),
        prompt: agent.prompt.as_ref().map_or(wire::Nullable::Absent, |p| {
            wire::Nullable::Value(official(json!(p)))
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(text: &str) -> AgentFile {
        crate::load(text).expect("valid agent").agent
    }

    #[test]
    fn sections_follow_the_guide_order() {
        let a = agent(
            "name: a\nrole: [You are NorthLoop support., Resolve the issue.]\npersonality:\n  tone: Warm, concise.\n  language: {lock: English}\n  variety: true\ncontext: Plans are monthly.\nescalation:\n  triggers: [User asks for a human]\n  say: Connecting you now.\ninstructions:\n  readback: {}\n",
        );
        let text = render(&a, None).expect("renders").instructions;
        let order: Vec<&str> = text.lines().filter(|l| l.starts_with("# ")).collect();
        assert_eq!(
            order,
            [
                "# Role & Objective",
                "# Personality & Tone",
                "# Context",
                "# Instructions / Rules",
                "# Safety & Escalation"
            ]
        );
        assert!(text.contains("- The conversation will be only in English.\n"));
        assert!(text.contains("separated by hyphens (e.g., 4-1-5)"));
        assert!(text.contains("- **2** failed tool attempts on the same task **or** **3** consecutive no-match/no-input events\n"));
    }

    #[test]
    fn state_change_tool_lists_only_allowed_exits() {
        let a = agent(
            "name: d\nrole: r\ntools:\n  - name: lookup_account\n    description: Fetch account.\n    parameters: {type: object, properties: {email_or_phone: {type: string}}}\ndynamic:\n  initial: verify\n  states:\n    - id: verify\n      instructions: [Ask for the email or phone.]\n      tools: [lookup_account]\n      transitions: [resolve]\n    - id: resolve\n      instructions: [Book a visit.]\n",
        );
        let all = render_all(&a).expect("renders");
        assert_eq!(all.len(), 2);
        let wire::ClientEvent::SessionUpdate(update) = &all[0].session_update else {
            panic!("session.update expected")
        };
        let tools = update.session.tools.as_ref().expect("tools");
        let Some(wire::Tool::Function(change)) = tools.last() else {
            panic!("a function tool")
        };
        assert_eq!(change.name, STATE_TOOL);
        assert_eq!(
            change.parameters.as_ref().expect("schema")["properties"]["next_state"]["enum"],
            json!(["resolve"])
        );
        assert!(
            all[1].instructions.contains("no further states")
                || all[1]
                    .session_update
                    .to_json()
                    .contains("no further states (terminal)")
        );
        assert_eq!(
            render(&a, Some("nope")),
            Err(RenderError::UnknownState("nope".into()))
        );
    }

    #[test]
    fn the_supervisors_tools_are_not_offered_to_the_responder() {
        let a = agent(
            "name: s\nrole: r\ntools:\n  - name: findNearestStore\n    description: d\n  - name: lookup_account\n    description: d\nsupervisor:\n  instructions: Think.\n  tools: [findNearestStore]\n  when_not_to_call:\n    - 'Collecting parameters for later Supervisor use:'\n    - '- zip_code for store lookup (findNearestStore)'\n",
        );
        let r = render(&a, None).expect("renders");
        let wire::ClientEvent::SessionUpdate(update) = &r.session_update else {
            panic!("session.update expected")
        };
        let names: Vec<&str> = update
            .session
            .tools
            .iter()
            .flatten()
            .map(|t| match t {
                wire::Tool::Function(f) => f.name.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(names, ["lookup_account", "getNextResponseFromSupervisor"]);
        assert!(!r.instructions.contains("## findNearestStore"));
        // A line starting with `- ` is a sub-item, as in the guide.
        assert!(r.instructions.contains(
            "- Collecting parameters for later Supervisor use:\n  - zip_code for store lookup (findNearestStore)\n"
        ));
        // The last filler ends the list's sentence: no `.”.`.
        assert!(
            r.instructions
                .contains("“Let me look into that.” Fillers must not imply success or failure.")
        );
    }

    #[test]
    fn unclear_audio_without_a_language_answers_in_the_callers() {
        let a =
            agent("name: u\nrole: r\ninstructions:\n  unclear_audio: {action: repeat_question}\n");
        let text = render(&a, None).expect("renders").instructions;
        assert!(
            text.contains("did not fully hear or understand the user, repeat your last question in the language the user is speaking.\n"),
            "{text}"
        );
        let a = agent("name: u\nrole: r\ninstructions:\n  unclear_audio: {language: English}\n");
        let text = render(&a, None).expect("renders").instructions;
        assert!(text.contains("ask for clarification using English phrases.\n"));
    }

    fn session_of(r: &Rendered) -> &wire::Session {
        let wire::ClientEvent::SessionUpdate(update) = &r.session_update else {
            panic!("session.update expected")
        };
        &update.session
    }

    fn effort(r: &Rendered) -> Option<Value> {
        session_of(r)
            .reasoning
            .as_ref()
            .map(|r| serde_json::to_value(r).expect("plain JSON")["effort"].clone())
    }

    #[test]
    fn every_state_carries_its_effort_so_leaving_a_state_restores_the_agents() {
        let a = agent(
            "name: d\nmodel: gpt-realtime-2.1\nrole: r\nreasoning: {effort: low}\ndynamic:\n  initial: verify\n  states:\n    - id: verify\n      instructions: [Verify.]\n      transitions: [troubleshoot]\n    - id: troubleshoot\n      instructions: [Find the fault.]\n      reasoning: {effort: high}\n      transitions: [resolve]\n    - id: resolve\n      instructions: [Book a visit.]\n",
        );
        let all = render_all(&a).expect("renders");
        let efforts: Vec<Option<Value>> = all.iter().map(effort).collect();
        assert_eq!(
            efforts,
            [Some(json!("low")), Some(json!("high")), Some(json!("low"))]
        );
        // Applied in order, as the engine sends them, the last state is back on low.
        let mut session = session_of(&all[0]).clone();
        for r in &all[1..] {
            session.merge(session_of(r).clone());
        }
        assert_eq!(
            serde_json::to_value(&session.reasoning).expect("JSON"),
            json!({"effort": "low"})
        );
        let plain = agent("name: p\nrole: r\n");
        assert_eq!(effort(&render(&plain, None).expect("renders")), None);
    }

    #[test]
    fn a_stored_prompt_is_rendered_into_the_session() {
        let a = agent(
            "name: p\nrole: r\nprompt:\n  id: pmpt_1\n  version: '2'\n  variables: {city: Paris}\n",
        );
        let r = render(&a, None).expect("renders");
        assert_eq!(
            r.session_update.to_value()["session"]["prompt"],
            json!({"id": "pmpt_1", "version": "2", "variables": {"city": "Paris"}})
        );
    }

    const MCP_AGENT: &str = "name: m\nrole: r\nmcp_servers:\n  - server_label: calendar\n    server_url: https://mcp.example.com/calendar\n    authorization_env: CALENDAR_TOKEN\n    headers_env: {X-Tenant: CALENDAR_TENANT}\n    allowed_tools: [list_slots, book_slot]\n    tools:\n      - name: list_slots\n        use_when: the caller asks when a technician can come.\n      - name: book_slot\n        behaviour: confirmation_first\n        confirmation_phrase: Shall I book {window}?\n        confirm: {arguments: [window]}\n  - server_label: docs\n    server_url: https://mcp.example.com/docs\n";

    #[test]
    fn an_mcp_server_asks_approval_for_its_confirmation_first_tools_only() {
        let a = agent(MCP_AGENT);
        let r = render(&a, None).expect("renders");
        let tools = r.session_update.to_value()["session"]["tools"].clone();
        assert_eq!(
            tools,
            json!([
                {"type": "mcp", "server_label": "calendar", "server_url": "https://mcp.example.com/calendar",
                 "allowed_tools": ["list_slots", "book_slot"],
                 "require_approval": {"always": {"tool_names": ["book_slot"]}, "never": {"tool_names": ["list_slots"]}}},
                {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.com/docs",
                 "require_approval": "never"}
            ])
        );
        assert!(r.instructions.contains(
            "- For the tools marked as CONFIRMATION FIRST: always ask for confirmation to the user.\n"
        ));
        assert!(r.instructions.contains(
            "## book_slot (on the calendar server) — CONFIRMATION FIRST\nConfirmation phrase: “Shall I book {window}?”\nWhen asking, say the value of `window` you will use;"
        ), "{}", r.instructions);
        assert!(r.instructions.contains(
            "## list_slots (on the calendar server) — PROACTIVE\nUse when: the caller asks when a technician can come.\n"
        ));
        let held = a.mcp_tool("calendar", "book_slot").expect("guided");
        assert!(held.is_confirmation_first());
        assert_eq!(held.confirm.arguments, ["window"]);
        assert!(
            !a.mcp_tool("calendar", "list_slots")
                .expect("guided")
                .is_confirmation_first()
        );
        assert_eq!(a.mcp_tool("docs", "search"), None);
    }

    #[test]
    fn mcp_credentials_come_from_the_environment_only_when_asked() {
        let a = agent(MCP_AGENT);
        let r = render(&a, None).expect("renders");
        assert!(!r.session_update.to_json().contains("authorization"));
        let mut session = session_of(&r).clone();
        let env = |name: &str| match name {
            "CALENDAR_TOKEN" => Some("tok-123".to_owned()),
            "CALENDAR_TENANT" => Some("northloop".to_owned()),
            _ => None,
        };
        with_mcp_credentials(&a, &mut session, env).expect("both set");
        let tools = serde_json::to_value(&session.tools).expect("JSON");
        assert_eq!(tools[0]["authorization"], "tok-123");
        assert_eq!(tools[0]["headers"], json!({"X-Tenant": "northloop"}));
        assert_eq!(tools[1].get("authorization"), None);

        let mut session = session_of(&r).clone();
        let missing = with_mcp_credentials(&a, &mut session, |_| None).expect_err("unset");
        assert_eq!(
            missing.to_string(),
            "MCP server `calendar` needs the environment variable CALENDAR_TOKEN, which is not set"
        );
    }

    #[test]
    fn a_tools_rules_are_said_in_its_section() {
        let text = "name: r\nrole: r\ntools:\n  - name: cancel_pending_order\n    description: d\n    guards:\n      - rule: order.status == \"pending\"\n        say: Only pending orders can be cancelled.\n      - rule: args.reason in [\"no longer needed\", \"ordered by mistake\"]\n        say: The reason must be no longer needed or ordered by mistake.\n";
        let agent = crate::load(text).expect("loads").agent;
        let prompt = render(&agent, None).expect("renders").instructions;
        assert!(
            prompt.contains("Rules (a call that breaks one is refused):\n- Only pending orders can be cancelled.\n- The reason must be no longer needed or ordered by mistake.\n"),
            "{prompt}"
        );
        assert!(
            !prompt.contains("order.status"),
            "the CEL itself is not the model's business"
        );
    }
}
