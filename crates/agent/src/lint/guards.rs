//! Rules about business rules: the CEL `guards` of tools, and the exit guards of dynamic
//! states, read names, fields and results that must exist, compare values of the types their
//! schemas give, and read results of tools that can have run by then.
//!
//! A rule that cannot be evaluated refuses the call (rules fail closed), so a misspelt name or
//! a result that is never there is no warning: it turns a tool off for every caller, who only
//! hears "that cannot be done". The rules are parsed with the same CEL parser the engine uses,
//! and findings point at the offending part of the rule when it is written on one line.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, SourceInfo, operators};
use serde_json::{Value, json};

use super::Rule;
use super::prose::Context;
use crate::diagnostic::{Diagnostic, Span};
use crate::load::{closest, common_tool_name};
use crate::model::{Builtin, Run, SlotSource, Tool};
use crate::render::STATE_TOOL;

/// The names every rule sees (besides the agent's captures and the `called` function).
const ROOTS: &[&str] = &[
    "args", "results", "slots", "state", "now", "captures", "calls", "agent", "caller",
];

/// How a call in `calls` ended: the engine's outcomes, as docs/agent-file.md lists them.
const OUTCOMES: &[&str] = &[
    "ok",
    "failed",
    "timeout",
    "invalid",
    "refused",
    "held_for_confirmation",
    "passed_through",
];

/// Namespaces of functions in CEL's standard environment, which the engine evaluates rules
/// in: `optional.none()` calls a function, it does not read a variable `optional`.
const FUNCTION_NAMESPACES: &[&str] = &["optional"];

/// The engine's function telling whether a tool ran with some arguments.
const CALLED: &str = "called";

/// SB0130–SB0133 in one pass over every rule, since they share its parsed form:
///
/// - SB0130 (unknown name): an identifier that is none of the names rules see, a
///   `results.<tool>` or `called("<tool>", …)` of no tool, a slot, capture or argument that
///   does not exist. The rule cannot be evaluated and refuses every call.
/// - SB0131 (unknown field): a field that the tool's `output_schema` (or the parameters', the
///   slot's or the capture's schema) does not define. Absent in every result, it makes the
///   rule refuse every call.
/// - SB0132 (type mismatch): a comparison of a field with a literal of another type, or with
///   a value its `enum` does not allow: `status == 3` is never true, and `minutes < "60"`
///   cannot be evaluated.
/// - SB0133 (result unavailable): a rule reads the result of a tool that cannot have run
///   before: one the engine never sees the result of (run by the client, a built-in, a common,
///   MCP or supervisor tool), or, in a dynamic flow, one offered only in states from which
///   the guarded tool's states (or the guarded exit) cannot be reached.
pub(super) fn business_rules(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let a = cx.agent;
    let has_rules = a.tools.iter().any(|t| !t.guards.is_empty())
        || a.mcp_servers
            .iter()
            .flat_map(|m| &m.tools)
            .any(|t| !t.guards.is_empty())
        || a.dynamic
            .iter()
            .flat_map(|d| &d.states)
            .any(|s| !s.guards.is_empty());
    if !has_rules {
        return;
    }
    let names = Names::new(cx);
    for (i, tool) in a.tools.iter().enumerate() {
        let site = Site {
            owner: Owner::Tool(tool),
            args: &tool.parameters,
        };
        for (j, guard) in tool.guards.iter().enumerate() {
            let path = format!("tools[{i}].guards[{j}].rule");
            check_rule(cx, &names, &site, &path, &guard.rule, out);
        }
    }
    for (i, server) in a.mcp_servers.iter().enumerate() {
        for (j, tool) in server.tools.iter().enumerate() {
            // The server lists the tool's parameters, not the agent file.
            let site = Site {
                owner: Owner::Mcp {
                    server: &server.server_label,
                    name: &tool.name,
                },
                args: &names.any,
            };
            for (k, guard) in tool.guards.iter().enumerate() {
                let path = format!("mcp_servers[{i}].tools[{j}].guards[{k}].rule");
                check_rule(cx, &names, &site, &path, &guard.rule, out);
            }
        }
    }
    for (i, state) in a.dynamic.iter().flat_map(|d| d.states.iter()).enumerate() {
        let site = Site {
            owner: Owner::Exit {
                state: i,
                id: &state.id,
            },
            args: &names.exits[i],
        };
        for (j, guard) in state.guards.iter().enumerate() {
            let path = format!("dynamic.states[{i}].guards[{j}].rule");
            check_rule(cx, &names, &site, &path, &guard.rule, out);
        }
    }
}

/// Checks one rule and reports its findings at the rule's place in the file.
fn check_rule(
    cx: &Context<'_>,
    names: &Names<'_>,
    site: &Site<'_>,
    path: &str,
    rule: &str,
    out: &mut Vec<Diagnostic>,
) {
    // The loader reports a rule that does not parse (SB0014). The parser is generated code: a
    // panic in it is a bad rule, not a crash.
    let Ok(Ok(program)) = std::panic::catch_unwind(|| cel::Program::compile(rule)) else {
        return;
    };
    let mut walk = Walk {
        names,
        site,
        rule,
        info: program.source_info(),
        scopes: Vec::new(),
        reads: Vec::new(),
        found: Vec::new(),
    };
    walk.visit(program.expression());
    walk.check_reads();
    for f in walk.found {
        let mut d = f
            .rule
            .diagnostic(f.message)
            .at_opt(span(cx, path, rule, f.at))
            .hint(f.hint);
        if let Some(note) = f.note {
            d = d.note(note);
        }
        out.push(d);
    }
}

/// Where `at` (a byte range of the rule) is in the file: the part itself in a rule written on
/// one line, the whole rule otherwise.
fn span(cx: &Context<'_>, path: &str, rule: &str, at: Option<At>) -> Option<Span> {
    let chars = at.and_then(|(start, len)| {
        let before = rule.get(..start)?.chars().count();
        let within = rule.get(start..start + len)?.chars().count();
        Some((before, within))
    });
    match chars {
        Some((start, len)) => cx.span_within(path, start, len),
        None => cx.doc.span_of(path),
    }
}

/// A byte range of a rule: start and length.
type At = (usize, usize);

/// What the rules of this agent may refer to, gathered once.
struct Names<'a> {
    /// The defined tools, by name.
    tools: BTreeMap<&'a str, &'a Tool>,
    /// Tools the model is offered whose results the rules never see under their name.
    resultless: BTreeMap<&'a str, Resultless>,
    /// MCP tools as rules name them, `<server_label>.<tool>`: their results are
    /// `results["<server_label>.<tool>"]`, and `called` knows them by that name.
    mcp: BTreeSet<String>,
    /// The dynamic flow's slots, with the schema of each value when it is known.
    slots: BTreeMap<&'a str, Option<&'a Value>>,
    /// Captures by name: the tools declaring each, with the schema of the captured value.
    captures: BTreeMap<&'a str, Vec<(&'a Tool, Option<&'a Value>)>>,
    /// The schema of `captures.<name>`, when the captured value's is known: a map of key to
    /// entity for a capture with a `key`, else the list of values in order.
    kept: BTreeMap<&'a str, Value>,
    flow: Option<Flow<'a>>,
    /// The schema of `state`: one of the dynamic states' ids.
    state: Option<Value>,
    /// The schema of a map's keys, which are strings in JSON.
    key: Value,
    /// The arguments of the state-change tool, per dynamic state.
    exits: Vec<Value>,
    /// The schemas of `calls`, `agent` and `caller`.
    calls: Value,
    agent: Value,
    caller: Value,
    /// A schema that says nothing: the arguments of an MCP tool, which its server lists.
    any: Value,
}

/// A tool the model is offered whose results rules never see under its name.
enum Resultless {
    /// An MCP tool, whose results are kept under this name (`<server_label>.<tool>`).
    Mcp(String),
    /// A common tool, the supervisor's tool or the state-change tool, answered by the engine
    /// itself: its calls are recorded (`called` sees them), but it gives the rules no result.
    Engine(&'static str),
}

/// The dynamic flow, as the reachability of its states.
struct Flow<'a> {
    /// For each state, the states reachable from it, itself included.
    reach: Vec<BTreeSet<usize>>,
    /// The states offering each defined tool (every state, for the supervisor's tools).
    offered: BTreeMap<&'a str, BTreeSet<usize>>,
    ids: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn new(cx: &Context<'a>) -> Self {
        let a = cx.agent;
        let tools: BTreeMap<&str, &Tool> = a.tools.iter().map(|t| (t.name.as_str(), t)).collect();
        let mut resultless = BTreeMap::new();
        let mut mcp = BTreeSet::new();
        for server in &a.mcp_servers {
            let names = server.tools.iter().map(|t| t.name.as_str());
            for name in names.chain(server.allowed_tools.iter().flatten().map(String::as_str)) {
                let key = format!("{}.{name}", server.server_label);
                resultless.insert(name, Resultless::Mcp(key.clone()));
                mcp.insert(key);
            }
        }
        for common in &a.common_tools {
            resultless.insert(
                common_tool_name(*common),
                Resultless::Engine("a common tool"),
            );
        }
        if let Some(s) = &a.supervisor {
            let what = Resultless::Engine("the supervisor's tool");
            resultless.insert(s.tool_name.as_str(), what);
        }
        if a.dynamic.is_some() {
            resultless.insert(STATE_TOOL, Resultless::Engine("the state-change tool"));
        }
        resultless.retain(|name, _| !tools.contains_key(name));

        let mut captures: BTreeMap<&str, Vec<(&Tool, Option<&Value>)>> = BTreeMap::new();
        let mut kept_by = BTreeMap::new();
        for tool in &a.tools {
            for c in &tool.captures {
                let schema = tool.output_schema.as_ref().and_then(|s| match &c.path {
                    Some(path) => at_path(s, path),
                    None => Some(s),
                });
                captures
                    .entry(c.name.as_str())
                    .or_default()
                    .push((tool, schema));
                if let Some(schema) = schema {
                    let kept = if c.key.is_some() {
                        json!({"type": "object", "additionalProperties": schema})
                    } else {
                        json!({"type": "array", "items": schema})
                    };
                    kept_by.entry(c.name.as_str()).or_insert(kept);
                }
            }
        }

        let mut slots = BTreeMap::new();
        let mut flow = None;
        let mut state = None;
        let mut exits = Vec::new();
        if let Some(d) = &a.dynamic {
            for slot in &d.slots {
                let tool = tools.get(slot.tool.as_str());
                let schema = tool.and_then(|t| match &slot.from {
                    SlotSource::Result(path) => {
                        t.output_schema.as_ref().and_then(|s| at_path(s, path))
                    }
                    SlotSource::Argument(name) => t.parameters.get("properties")?.get(name),
                });
                slots.insert(slot.name.as_str(), schema);
            }
            let ids: Vec<&str> = d.states.iter().map(|s| s.id.as_str()).collect();
            let next: Vec<Vec<usize>> = d
                .states
                .iter()
                .map(|s| {
                    s.transitions
                        .iter()
                        .filter_map(|t| ids.iter().position(|id| id == t))
                        .collect()
                })
                .collect();
            let reach = (0..ids.len()).map(|i| reachable(i, &next)).collect();
            let mut offered: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
            for (i, s) in d.states.iter().enumerate() {
                for name in &s.tools {
                    offered.entry(name.as_str()).or_default().insert(i);
                }
            }
            // The supervisor runs its back-office tools whatever the state.
            for name in a.supervisor.iter().flat_map(|s| &s.tools) {
                offered.insert(name.as_str(), (0..ids.len()).collect());
            }
            state = Some(json!({"type": "string", "enum": ids}));
            exits = d
                .states
                .iter()
                .map(|s| {
                    json!({
                        "type": "object",
                        "properties": {"next_state": {"type": "string", "enum": s.transitions}},
                    })
                })
                .collect();
            flow = Some(Flow {
                reach,
                offered,
                ids,
            });
        }
        Self {
            tools,
            resultless,
            mcp,
            slots,
            captures,
            kept: kept_by,
            flow,
            state,
            key: json!({"type": "string"}),
            exits,
            calls: json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "tool": {"type": "string"},
                        "arguments": {"type": "object"},
                        "outcome": {"type": "string", "enum": OUTCOMES},
                    },
                },
            }),
            agent: json!({"type": "string"}),
            caller: json!({"type": ["string", "null"]}),
            any: json!({}),
        }
    }
}

/// Indexes reachable from `start`, itself included, in a graph given as successor lists.
fn reachable(start: usize, next: &[Vec<usize>]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::from([start]);
    let mut queue = VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for &to in &next[at] {
            if seen.insert(to) {
                queue.push_back(to);
            }
        }
    }
    seen
}

/// The subschema at a dot path such as `reservation.flights.0`, when the schema says.
fn at_path<'v>(schema: &'v Value, path: &str) -> Option<&'v Value> {
    let mut at = schema;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let seg = if part.parse::<usize>().is_ok() {
            Seg::Element
        } else {
            Seg::Field(part, None)
        };
        match step(at, seg) {
            Step::Into(next) => at = next,
            Step::Unknown | Step::Missing(_) => return None,
        }
    }
    Some(at)
}

/// Whose rule it is.
#[derive(Clone, Copy)]
enum Owner<'a> {
    /// A guard of this tool.
    Tool(&'a Tool),
    /// An exit guard of the dynamic state with this index and id.
    Exit { state: usize, id: &'a str },
    /// A guard of a tool of an MCP server.
    Mcp { server: &'a str, name: &'a str },
}

/// The rule's owner and the schema of its `args`.
struct Site<'a> {
    owner: Owner<'a>,
    args: &'a Value,
}

impl Site<'_> {
    /// "a rule of tool `x`", for messages.
    fn describe(&self) -> String {
        match self.owner {
            Owner::Tool(t) => format!("a rule of tool `{}`", t.name),
            Owner::Exit { id, .. } => format!("an exit rule of state `{id}`"),
            Owner::Mcp { server, name } => format!("a rule of MCP tool `{server}.{name}`"),
        }
    }
}

/// One step of a path such as `results.get_order.items[0].sku`.
#[derive(Debug, Clone, Copy)]
enum Seg<'w> {
    /// `.name` or `["name"]`, with where the name is written.
    Field(&'w str, Option<At>),
    /// `[i]` with a computed or numeric index.
    Element,
}

/// A name and the fields selected on it, as written: `results.get_order.status`.
struct Chain<'w> {
    root: &'w str,
    root_at: Option<At>,
    segs: Vec<Seg<'w>>,
    /// Index expressions along the way, which are expressions of their own.
    keys: Vec<&'w IdedExpr>,
    /// Whether the last field is tested for presence (`has(a.b)`) rather than read.
    test: bool,
}

impl Chain<'_> {
    /// The chain's first `n` segments as text: `results.get_order`.
    fn text(&self, n: usize) -> String {
        let mut s = self.root.to_owned();
        for seg in self.segs.iter().take(n) {
            match seg {
                Seg::Field(name, _) => {
                    s.push('.');
                    s.push_str(name);
                }
                Seg::Element => s.push_str("[…]"),
            }
        }
        s
    }
}

/// A result a rule reads, directly or through a capture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Read<'w> {
    /// `results.<tool>`.
    Result(&'w str),
    /// `called("<tool>", …)`.
    Called(&'w str),
    /// A capture, by name (`reservation`, `captures.reservation`).
    Capture(&'w str),
}

/// Where a schema comes from, for messages.
#[derive(Clone, Copy)]
enum Origin<'w> {
    Args,
    Result(&'w str),
    Capture(&'w str),
    Slot(&'w str),
    /// One of the names every rule sees (`state`, `calls`, …).
    Root(&'static str),
    /// A variable of a macro (`x` of `items.all(x, …)`): an element of its range.
    Element(&'w str),
}

/// What a chain resolves to.
struct Resolved<'w> {
    schema: Option<&'w Value>,
    found: Vec<Finding>,
    reads: Vec<(Read<'w>, Option<At>)>,
}

/// A finding inside a rule, before it is placed in the file.
struct Finding {
    rule: Rule,
    at: Option<At>,
    message: String,
    hint: String,
    note: Option<&'static str>,
}

/// Rules fail closed, which is why a name or field that is never there is an error.
const FAILS_CLOSED: &str = "a rule that cannot be evaluated refuses the call (rules fail closed), so it refuses every call";

/// The note of a field that is never there, tested with `has(…)` rather than read.
const NEVER_PRESENT: &str = "`has(…)` of a field that is never there is always false";

/// The walk over one rule.
struct Walk<'w> {
    names: &'w Names<'w>,
    site: &'w Site<'w>,
    rule: &'w str,
    info: &'w SourceInfo,
    /// Variables bound by macros (`all`, `exists`, `map`, …), innermost last, with the schema
    /// of their values when it is known.
    scopes: Vec<(&'w str, Option<&'w Value>)>,
    reads: Vec<(Read<'w>, Option<At>)>,
    found: Vec<Finding>,
}

impl<'w> Walk<'w> {
    fn visit(&mut self, e: &'w IdedExpr) {
        if let Some(chain) = self.chain(e) {
            let resolved = self.resolve(&chain);
            self.found.extend(resolved.found);
            self.reads.extend(resolved.reads);
            for key in chain.keys {
                self.visit(key);
            }
            return;
        }
        match &e.expr {
            Expr::Select(s) => self.visit(&s.operand),
            Expr::Call(c) => {
                self.called(c);
                self.comparison(c);
                if let Some(target) = &c.target {
                    let namespace = matches!(&target.expr, Expr::Ident(n)
                        if FUNCTION_NAMESPACES.contains(&n.as_str()) && !self.declared(n));
                    if !namespace {
                        self.visit(target);
                    }
                }
                for arg in &c.args {
                    self.visit(arg);
                }
            }
            Expr::Comprehension(c) => {
                self.visit(&c.iter_range);
                self.visit(&c.accu_init);
                let element = self.typed(&c.iter_range).and_then(|s| self.element(s));
                let depth = self.scopes.len();
                self.scopes.push((c.iter_var.as_str(), element));
                if let Some(second) = &c.iter_var2 {
                    self.scopes.push((second.as_str(), None));
                }
                self.scopes.push((c.accu_var.as_str(), None));
                self.visit(&c.loop_cond);
                self.visit(&c.loop_step);
                self.visit(&c.result);
                self.scopes.truncate(depth);
            }
            Expr::List(l) => {
                for x in &l.elements {
                    self.visit(x);
                }
            }
            Expr::Map(m) => {
                for entry in &m.entries {
                    self.entry(&entry.expr);
                }
            }
            Expr::Struct(s) => {
                for entry in &s.entries {
                    self.entry(&entry.expr);
                }
            }
            Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
        }
    }

    fn entry(&mut self, entry: &'w EntryExpr) {
        match entry {
            EntryExpr::MapEntry(m) => {
                self.visit(&m.key);
                self.visit(&m.value);
            }
            EntryExpr::StructField(f) => self.visit(&f.value),
        }
    }

    /// Whether `name` is bound by a macro around this point.
    fn declared(&self, name: &str) -> bool {
        self.scopes.iter().any(|(n, _)| *n == name)
    }

    /// The byte range of a node's token.
    fn at(&self, id: u64) -> Option<At> {
        let (start, stop) = self.info.offset_for(id)?;
        let (start, stop) = (start as usize, stop as usize);
        Some((start, stop.checked_sub(start)? + 1))
    }

    /// Where the field `name` selected by the node `id` is written. The parser places a
    /// selection at its dot (at the `(` for `has(…)`), so the name is the first `.name` from
    /// there.
    fn field_at(&self, id: u64, name: &str) -> Option<At> {
        let (from, _) = self.at(id)?;
        let mut rest = self.rule.get(from..)?;
        let mut base = from;
        while let Some(dot) = rest.find('.') {
            let after = &rest[dot + 1..];
            let trimmed = after.trim_start();
            let start = base + dot + 1 + (after.len() - trimmed.len());
            let whole = trimmed
                .strip_prefix(name)
                .is_some_and(|tail| !tail.starts_with(|c: char| c.is_alphanumeric() || c == '_'));
            if whole {
                return Some((start, name.len()));
            }
            base += dot + 1;
            rest = after;
        }
        self.at(id)
    }

    /// The chain `e` spells, if it is a name with selections and indexes on it.
    fn chain(&self, e: &'w IdedExpr) -> Option<Chain<'w>> {
        match &e.expr {
            Expr::Ident(name) => Some(Chain {
                root: name,
                root_at: self.at(e.id),
                segs: Vec::new(),
                keys: Vec::new(),
                test: false,
            }),
            Expr::Select(s) => {
                let mut chain = self.chain(&s.operand)?;
                chain
                    .segs
                    .push(Seg::Field(&s.field, self.field_at(e.id, &s.field)));
                chain.test = s.test;
                Some(chain)
            }
            Expr::Call(c)
                if c.func_name == operators::INDEX && c.target.is_none() && c.args.len() == 2 =>
            {
                let mut chain = self.chain(&c.args[0])?;
                chain.test = false;
                let key = &c.args[1];
                match &key.expr {
                    Expr::Literal(LiteralValue::String(s)) => {
                        chain.segs.push(Seg::Field(s.inner(), self.at(key.id)));
                    }
                    _ => {
                        chain.segs.push(Seg::Element);
                        chain.keys.push(key);
                    }
                }
                Some(chain)
            }
            _ => None,
        }
    }

    /// The schema of the value `e` reads, when it is a chain the schemas describe.
    fn typed(&self, e: &'w IdedExpr) -> Option<&'w Value> {
        self.resolve(&self.chain(e)?).schema
    }

    /// The schema of the elements a macro iterates over: a list's items, a map's keys.
    fn element(&self, schema: &'w Value) -> Option<&'w Value> {
        if let Some(items @ Value::Object(_)) = schema.get("items") {
            return Some(items);
        }
        let object = types(schema).is_some_and(|t| t.contains(&"object"))
            || schema.get("properties").is_some();
        object.then_some(&self.names.key)
    }

    /// What a chain reads: its schema, the results it needs, and what does not exist.
    fn resolve(&self, chain: &Chain<'w>) -> Resolved<'w> {
        let names = self.names;
        let mut r = Resolved {
            schema: None,
            found: Vec::new(),
            reads: Vec::new(),
        };
        let first = chain.segs.first().copied();
        let bound = self
            .scopes
            .iter()
            .rev()
            .find(|(n, _)| *n == chain.root)
            .map(|(_, s)| *s);
        let (schema, origin, skip) = match (bound, chain.root) {
            (Some(schema), root) => (schema, Origin::Element(root), 0),
            (None, "args") => (Some(self.site.args), Origin::Args, 0),
            (None, "results") => {
                let Some(Seg::Field(tool, at)) = first else {
                    return r;
                };
                if let Some(t) = names.tools.get(tool) {
                    r.reads.push((Read::Result(tool), at));
                    (t.output_schema.as_ref(), Origin::Result(tool), 1)
                } else if names.mcp.contains(tool) {
                    // MCP servers are offered in every state and describe no results.
                    return r;
                } else {
                    if names.resultless.contains_key(tool) {
                        r.reads.push((Read::Result(tool), at));
                    } else {
                        let tested = chain.test && chain.segs.len() == 1;
                        r.found
                            .push(self.unknown_tool(Read::Result(tool), tested, at));
                    }
                    return r;
                }
            }
            (None, "slots") => {
                let Some(Seg::Field(slot, at)) = first else {
                    return r;
                };
                match names.slots.get(slot) {
                    Some(schema) => (*schema, Origin::Slot(slot), 1),
                    None => {
                        r.found.push(self.unknown_slot(slot, at));
                        return r;
                    }
                }
            }
            (None, "captures") => {
                let Some(Seg::Field(capture, at)) = first else {
                    return r;
                };
                if !names.captures.contains_key(capture) {
                    r.found.push(self.unknown_capture(capture, at));
                    return r;
                }
                r.reads.push((Read::Capture(capture), at));
                (names.kept.get(capture), Origin::Capture(capture), 1)
            }
            (None, "state") => (names.state.as_ref(), Origin::Root("state"), 0),
            (None, "calls") => (Some(&names.calls), Origin::Root("calls"), 0),
            (None, "agent") => (Some(&names.agent), Origin::Root("agent"), 0),
            (None, "caller") => (Some(&names.caller), Origin::Root("caller"), 0),
            (None, "now") => return r,
            (None, root) => match names.captures.get(root) {
                Some(declared) => {
                    r.reads.push((Read::Capture(root), chain.root_at));
                    let schema = declared.iter().find_map(|(_, s)| *s);
                    (schema, Origin::Capture(root), 0)
                }
                None => {
                    if !is_cel_type(chain) {
                        r.found.push(self.unknown_name(root, chain.root_at));
                    }
                    return r;
                }
            },
        };
        let mut schema = schema;
        for (k, seg) in chain.segs.iter().enumerate().skip(skip) {
            let Some(at) = schema else { return r };
            match step(at, *seg) {
                Step::Into(next) => schema = Some(next),
                Step::Unknown => return r,
                Step::Missing(known) => {
                    if let Seg::Field(field, at) = seg {
                        r.found
                            .push(self.missing_field(chain, k, origin, field, *at, &known));
                    }
                    return r;
                }
            }
        }
        r.schema = schema;
        r
    }

    /// `called("tool", {…})`: the tool must exist and the arguments must be its parameters.
    fn called(&mut self, c: &'w cel::common::ast::CallExpr) {
        if c.func_name != CALLED || c.target.is_some() {
            return;
        }
        let Some(first) = c.args.first() else { return };
        let Expr::Literal(LiteralValue::String(tool)) = &first.expr else {
            return;
        };
        let tool = tool.inner();
        let at = self.at(first.id);
        let Some(t) = self.names.tools.get(tool) else {
            if self.names.mcp.contains(tool) {
                return;
            }
            if self.names.resultless.contains_key(tool) {
                self.reads.push((Read::Called(tool), at));
            } else {
                self.found
                    .push(self.unknown_tool(Read::Called(tool), false, at));
            }
            return;
        };
        self.reads.push((Read::Called(tool), at));
        let Some(Expr::Map(wanted)) = c.args.get(1).map(|a| &a.expr) else {
            return;
        };
        let Some(params) = t.parameters.get("properties").and_then(Value::as_object) else {
            return;
        };
        let known: Vec<String> = params.keys().cloned().collect();
        for entry in &wanted.entries {
            let EntryExpr::MapEntry(m) = &entry.expr else {
                continue;
            };
            let Expr::Literal(LiteralValue::String(key)) = &m.key.expr else {
                continue;
            };
            let key = key.inner();
            if params.contains_key(key) {
                continue;
            }
            let hint = match closest(key, &known) {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => format!("`{tool}` takes no parameters"),
                None => format!("the parameters of `{tool}` are: {}", known.join(", ")),
            };
            self.found.push(Finding {
                rule: Rule::UnknownGuardName,
                at: self.at(m.key.id),
                message: format!(
                    "{} asks whether `{tool}` ran with `{key}`, but `{tool}` has no parameter `{key}`",
                    self.site.describe()
                ),
                hint,
                note: Some("`called` is then never true"),
            });
        }
    }

    /// A comparison of a field with a literal of another type, or with a value its `enum`
    /// does not allow.
    fn comparison(&mut self, c: &'w cel::common::ast::CallExpr) {
        if c.target.is_some() || c.args.len() != 2 {
            return;
        }
        let (a, b) = (&c.args[0], &c.args[1]);
        match c.func_name.as_str() {
            operators::EQUALS | operators::NOT_EQUALS => {
                self.compare(a, b, true);
                self.compare(b, a, true);
            }
            operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS => {
                self.compare(a, b, false);
                self.compare(b, a, false);
            }
            operators::IN => {
                if let Expr::List(list) = &b.expr {
                    for x in &list.elements {
                        self.compare(a, x, true);
                    }
                } else if let (Some(lit), Some(chain)) = (Literal::of(a), self.chain(b))
                    && let Some(schema) = self.resolve(&chain).schema
                    && let Some(items @ Value::Object(_)) = schema.get("items")
                {
                    let what = format!("the elements of `{}`", chain.text(chain.segs.len()));
                    self.mismatch(&what, items, &lit, self.at(a.id), true);
                }
            }
            _ => {}
        }
    }

    /// `field` (an expression) compared with `literal` (an expression), when the one is a
    /// typed chain and the other a literal.
    fn compare(&mut self, field: &'w IdedExpr, literal: &'w IdedExpr, equality: bool) {
        let Some(lit) = Literal::of(literal) else {
            return;
        };
        let Some(chain) = self.chain(field) else {
            return;
        };
        let Some(schema) = self.resolve(&chain).schema else {
            return;
        };
        let what = format!("`{}`", chain.text(chain.segs.len()));
        self.mismatch(&what, schema, &lit, self.at(literal.id), equality);
    }

    fn mismatch(
        &mut self,
        what: &str,
        schema: &Value,
        lit: &Literal,
        at: Option<At>,
        equality: bool,
    ) {
        let written = at
            .and_then(|(s, l)| self.rule.get(s..s + l))
            .unwrap_or(lit.kind);
        if let Some(types) = types(schema)
            && !types.iter().any(|t| compatible(t, lit.kind))
        {
            let is = types
                .iter()
                .map(|t| article(t))
                .collect::<Vec<_>>()
                .join(" or ");
            self.found.push(Finding {
                rule: Rule::GuardTypeMismatch,
                at,
                message: format!(
                    "{} compares {what}, {is}, with {} `{written}`",
                    self.site.describe(),
                    article(lit.kind),
                ),
                hint: format!(
                    "compare it with {is}; to compare across types, convert one side with int(), double() or string()"
                ),
                note: Some(if equality {
                    "values of different types are never equal"
                } else {
                    "an ordering of different types cannot be evaluated, and refuses every call (rules fail closed)"
                }),
            });
            return;
        }
        let (true, Some(allowed), Some(value)) = (
            equality,
            schema.get("enum").and_then(Value::as_array),
            &lit.value,
        ) else {
            return;
        };
        if allowed.iter().any(|v| same(v, value)) {
            return;
        }
        let shown: Vec<String> = allowed.iter().map(|v| format!("`{v}`")).collect();
        let strings: Vec<String> = allowed
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        let hint = match value.as_str().and_then(|v| closest(v, &strings)) {
            Some(best) => format!("did you mean `\"{best}\"`?"),
            None => format!("its values are {}", shown.join(", ")),
        };
        self.found.push(Finding {
            rule: Rule::GuardTypeMismatch,
            at,
            message: format!(
                "{} compares {what} with `{written}`, which is not one of its values ({})",
                self.site.describe(),
                shown.join(", ")
            ),
            hint,
            note: Some("a value its schema does not allow is never equal to it"),
        });
    }

    /// SB0133 for every tool whose result the rule reads, once per tool and way of reading.
    fn check_reads(&mut self) {
        let mut seen = BTreeSet::new();
        let reads = std::mem::take(&mut self.reads);
        for (read, at) in reads {
            if !seen.insert(read) {
                continue;
            }
            let (tools, what): (Vec<&str>, String) = match read {
                Read::Result(t) => (vec![t], format!("`results.{t}`")),
                Read::Called(t) => (vec![t], format!("`called(\"{t}\", …)`")),
                Read::Capture(c) => (
                    self.names
                        .captures
                        .get(c)
                        .map(|d| d.iter().map(|(t, _)| t.name.as_str()).collect())
                        .unwrap_or_default(),
                    format!("capture `{c}`"),
                ),
            };
            let mut first = None;
            for tool in &tools {
                match self.unavailable(read, tool) {
                    None => {
                        first = None;
                        break;
                    }
                    Some(why) if first.is_none() => first = Some((*tool, why)),
                    Some(_) => {}
                }
            }
            let Some((tool, (why, hint))) = first else {
                continue;
            };
            let message = match read {
                Read::Capture(_) => format!(
                    "{} reads {what}, taken from `{tool}`, which {why}",
                    self.site.describe()
                ),
                _ => format!("{} reads {what}, but `{tool}` {why}", self.site.describe()),
            };
            self.found.push(Finding {
                rule: Rule::GuardResultUnavailable,
                at,
                message,
                hint,
                note: Some(if matches!(read, Read::Called(_)) {
                    "`called` of a tool that never ran before is always false"
                } else {
                    "a result that is not there cannot be read: the rule refuses every call (rules fail closed)"
                }),
            });
        }
    }

    /// Why the result of `tool` cannot be there when this rule reads it (or, for `called`,
    /// why no successful call of it can be recorded by then), and what to do.
    fn unavailable(&self, read: Read<'_>, tool: &str) -> Option<(String, String)> {
        let names = self.names;
        let fix = "or remove this part of the rule";
        let called = matches!(read, Read::Called(_));
        match names.resultless.get(tool) {
            Some(Resultless::Mcp(key)) if called => {
                return Some((
                    format!("is an MCP tool, whose calls are recorded as `{key}`"),
                    format!("ask `called(\"{key}\", …)`, {fix}"),
                ));
            }
            Some(Resultless::Mcp(key)) => {
                return Some((
                    format!("is an MCP tool, whose result is `results[\"{key}\"]`"),
                    format!("read it as `results[\"{key}\"]`, {fix}"),
                ));
            }
            // Its calls are recorded like any other.
            Some(Resultless::Engine(_)) if called => return None,
            Some(Resultless::Engine(what)) => {
                return Some((
                    format!("is {what}, which gives the rules no result"),
                    format!("read the result of a tool run by a webhook or fixtures, {fix}"),
                ));
            }
            None => {}
        }
        let t = names.tools.get(tool)?;
        match &t.run {
            Run::Client => {
                let what = if called {
                    "never sees it succeed"
                } else {
                    "never sees its result"
                };
                return Some((
                    format!(
                        "runs on the client (`run` is absent or `client`), so the engine {what}"
                    ),
                    format!("give `{tool}` a `run` (a webhook or fixtures), {fix}"),
                ));
            }
            // A built-in's call is recorded; it gives no result.
            Run::Builtin(_) if called => {}
            Run::Builtin(b) => {
                let builtin = match b {
                    Builtin::EscalateToHuman => "escalate_to_human",
                    Builtin::FinishSession => "finish_session",
                    Builtin::Answer => "answer",
                };
                return Some((
                    format!("is run by the built-in `{builtin}`, which gives the rules no result"),
                    format!("read the result of a tool run by a webhook or fixtures, {fix}"),
                ));
            }
            Run::Webhook(_) | Run::Fixtures(_) => {}
        }
        let flow = names.flow.as_ref()?;
        let (guarded, place) = match self.site.owner {
            // An earlier call of the tool itself is a result like any other.
            Owner::Tool(u) if u.name == tool => return None,
            Owner::Tool(u) => (
                flow.offered
                    .get(u.name.as_str())
                    .cloned()
                    .unwrap_or_default(),
                format!("a state offering `{}`", u.name),
            ),
            Owner::Exit { state, id } => (BTreeSet::from([state]), format!("state `{id}`")),
            // MCP servers are offered in every state.
            Owner::Mcp { server, name } => (
                (0..flow.ids.len()).collect(),
                format!("a state offering `{server}.{name}`"),
            ),
        };
        // A tool no state offers never runs; SB0102 says so.
        if guarded.is_empty() {
            return None;
        }
        let from = flow.offered.get(tool).cloned().unwrap_or_default();
        if from.is_empty() {
            return Some((
                "is offered in no dynamic state, so it never runs".to_owned(),
                format!("add `{tool}` to the `tools` of a state before {place}, {fix}"),
            ));
        }
        if from
            .iter()
            .any(|a| guarded.iter().any(|b| flow.reach[*a].contains(b)))
        {
            return None;
        }
        let states: Vec<String> = from.iter().map(|i| format!("`{}`", flow.ids[*i])).collect();
        Some((
            format!(
                "is offered only in {} {}, from which no transition leads to {place}",
                if states.len() == 1 { "state" } else { "states" },
                states.join(", ")
            ),
            format!("offer `{tool}` in {place} or a state leading to it, {fix}"),
        ))
    }

    /// A tool that does not exist, read as `results.<tool>` (`tested` under `has`) or asked
    /// about with `called`.
    fn unknown_tool(&self, read: Read<'_>, tested: bool, at: Option<At>) -> Finding {
        let (tool, what, note) = match read {
            Read::Called(tool) => (
                tool,
                format!("asks `called(\"{tool}\", …)`"),
                "`called` of a tool that does not exist is always false",
            ),
            Read::Result(tool) | Read::Capture(tool) => (
                tool,
                format!("reads `results.{tool}`"),
                if tested { NEVER_PRESENT } else { FAILS_CLOSED },
            ),
        };
        let tools: Vec<String> = self.names.tools.keys().map(|t| (*t).to_owned()).collect();
        let hint = match closest(tool, &tools) {
            Some(best) => format!("did you mean `{best}`?"),
            None if tools.is_empty() => "define the tool under `tools`".to_owned(),
            None => format!("the tools are: {}", tools.join(", ")),
        };
        Finding {
            rule: Rule::UnknownGuardName,
            at,
            message: format!(
                "{} {what}, but there is no tool `{tool}`",
                self.site.describe()
            ),
            hint,
            note: Some(note),
        }
    }

    fn unknown_slot(&self, slot: &str, at: Option<At>) -> Finding {
        let slots: Vec<String> = self.names.slots.keys().map(|s| (*s).to_owned()).collect();
        let hint = match closest(slot, &slots) {
            Some(best) => format!("did you mean `{best}`?"),
            None if slots.is_empty() => {
                "slots are defined under `dynamic.slots`, with the tool they come from".to_owned()
            }
            None => format!("the slots are: {}", slots.join(", ")),
        };
        Finding {
            rule: Rule::UnknownGuardName,
            at,
            message: format!(
                "{} reads `slots.{slot}`, but there is no slot `{slot}`",
                self.site.describe()
            ),
            hint,
            note: Some(FAILS_CLOSED),
        }
    }

    fn unknown_capture(&self, capture: &str, at: Option<At>) -> Finding {
        let known: Vec<String> = self
            .names
            .captures
            .keys()
            .map(|c| (*c).to_owned())
            .collect();
        let hint = match closest(capture, &known) {
            Some(best) => format!("did you mean `{best}`?"),
            None => "declare it under the `captures` of the tool whose result holds it".to_owned(),
        };
        Finding {
            rule: Rule::UnknownGuardName,
            at,
            message: format!(
                "{} reads `captures.{capture}`, but no tool captures `{capture}`",
                self.site.describe()
            ),
            hint,
            note: Some(FAILS_CLOSED),
        }
    }

    fn unknown_name(&self, name: &str, at: Option<At>) -> Finding {
        let names = self.names;
        let mut known: Vec<String> = ROOTS.iter().map(|r| (*r).to_owned()).collect();
        known.extend(names.captures.keys().map(|c| (*c).to_owned()));
        known.extend(self.scopes.iter().map(|(n, _)| (*n).to_owned()));
        let parameter = self
            .site
            .args
            .get("properties")
            .is_some_and(|p| p.get(name).is_some());
        let hint = if names.tools.contains_key(name) {
            format!("the result of tool `{name}` is `results.{name}`")
        } else if names.slots.contains_key(name) {
            format!("the slot `{name}` is `slots.{name}`")
        } else if parameter {
            format!("the argument `{name}` is `args.{name}`")
        } else if let Some(best) = closest(name, &known) {
            format!("did you mean `{best}`?")
        } else {
            let mut seen = format!("rules see {} and called(tool, args)", ROOTS.join(", "));
            if !names.captures.is_empty() {
                let captures: Vec<&str> = names.captures.keys().copied().collect();
                seen.push_str(&format!(", and the captures {}", captures.join(", ")));
            }
            seen
        };
        Finding {
            rule: Rule::UnknownGuardName,
            at,
            message: format!(
                "{} reads `{name}`, which is not a name rules see",
                self.site.describe()
            ),
            hint,
            note: Some(FAILS_CLOSED),
        }
    }

    fn missing_field(
        &self,
        chain: &Chain<'_>,
        k: usize,
        origin: Origin<'_>,
        field: &str,
        at: Option<At>,
        known: &[&str],
    ) -> Finding {
        let path = chain.text(k + 1);
        let list: Vec<String> = known.iter().map(|f| (*f).to_owned()).collect();
        let hint = |none: &str| match closest(field, &list) {
            Some(best) => format!("did you mean `{best}`?"),
            None if list.is_empty() => none.to_owned(),
            None => format!("its fields are: {}", list.join(", ")),
        };
        let who = self.site.describe();
        // The first field of `args` is an argument: a name of its own, not a field of a result.
        if matches!(origin, Origin::Args) && k == 0 {
            let (message, hint) = match self.site.owner {
                Owner::Tool(t) => (
                    format!(
                        "{who} reads `{path}`, but `{}` has no parameter `{field}`",
                        t.name
                    ),
                    match closest(field, &list) {
                        Some(best) => format!("did you mean `{best}`?"),
                        None if list.is_empty() => format!("`{}` takes no parameters", t.name),
                        None => format!("its parameters are: {}", list.join(", ")),
                    },
                ),
                Owner::Exit { .. } => (
                    format!("{who} reads `{path}`, but the state change has no argument `{field}`"),
                    "the state change's only argument is `next_state`".to_owned(),
                ),
                Owner::Mcp { .. } => (
                    format!("{who} reads `{path}`, but the tool has no parameter `{field}`"),
                    hint("the tool takes no parameters"),
                ),
            };
            return Finding {
                rule: Rule::UnknownGuardName,
                at,
                message,
                hint,
                note: Some(FAILS_CLOSED),
            };
        }
        let schema = match origin {
            Origin::Args => match self.site.owner {
                Owner::Tool(t) => format!("the parameters of `{}`", t.name),
                Owner::Exit { .. } | Owner::Mcp { .. } => "the arguments".to_owned(),
            },
            Origin::Result(tool) => format!("the `output_schema` of `{tool}`"),
            Origin::Capture(c) => {
                let tool = self
                    .names
                    .captures
                    .get(c)
                    .and_then(|d| d.iter().find(|(_, s)| s.is_some()))
                    .map_or("its tool", |(t, _)| t.name.as_str());
                format!("the `output_schema` of `{tool}` (capture `{c}`)")
            }
            Origin::Slot(s) => format!("the schema of slot `{s}`"),
            Origin::Root(root) => format!("the schema of `{root}`"),
            Origin::Element(v) => format!("the schema of `{v}`"),
        };
        Finding {
            rule: Rule::UnknownGuardField,
            at,
            message: format!("{who} reads `{path}`, but {schema} has no field `{field}`"),
            hint: hint("the schema defines no fields here; add the field to it"),
            note: Some(if chain.test && k + 1 == chain.segs.len() {
                NEVER_PRESENT
            } else {
                FAILS_CLOSED
            }),
        }
    }
}

/// A name CEL itself defines: a type such as `int`, `string` or `google.protobuf.Timestamp`
/// (as in `type(x) == string`).
fn is_cel_type(chain: &Chain<'_>) -> bool {
    let env = cel::Env::stdlib();
    let mut name = chain.root.to_owned();
    if env.types().find_type(&name).is_some() {
        return true;
    }
    for seg in &chain.segs {
        let Seg::Field(field, _) = seg else { break };
        name.push('.');
        name.push_str(field);
        if env.types().find_type(&name).is_some() {
            return true;
        }
    }
    false
}

/// One step into a schema.
enum Step<'v> {
    /// The subschema of the step.
    Into(&'v Value),
    /// The schema does not say.
    Unknown,
    /// The schema lists its fields, and these are they: the step's field is not one.
    Missing(Vec<&'v str>),
}

/// Keywords that let an object have fields its `properties` do not list.
const OPEN: &[&str] = &[
    "patternProperties",
    "allOf",
    "anyOf",
    "oneOf",
    "$ref",
    "if",
    "dependentSchemas",
    "unevaluatedProperties",
];

fn step<'v>(schema: &'v Value, seg: Seg<'_>) -> Step<'v> {
    let extra = schema.get("additionalProperties");
    match seg {
        Seg::Field(name, _) => {
            let Some(props) = schema.get("properties").and_then(Value::as_object) else {
                return match extra {
                    Some(s @ Value::Object(_)) => Step::Into(s),
                    _ => Step::Unknown,
                };
            };
            if let Some(s) = props.get(name) {
                return Step::Into(s);
            }
            match extra {
                Some(s @ Value::Object(_)) => Step::Into(s),
                Some(Value::Bool(true)) => Step::Unknown,
                _ if OPEN.iter().any(|k| schema.get(k).is_some()) => Step::Unknown,
                _ => Step::Missing(props.keys().map(String::as_str).collect()),
            }
        }
        Seg::Element => match (schema.get("items"), extra) {
            (Some(s @ Value::Object(_)), _) | (None, Some(s @ Value::Object(_))) => Step::Into(s),
            _ => Step::Unknown,
        },
    }
}

/// The JSON Schema types a schema allows, when it says.
fn types(schema: &Value) -> Option<Vec<&str>> {
    match schema.get("type")? {
        Value::String(t) => Some(vec![t.as_str()]),
        Value::Array(ts) => Some(ts.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Whether a value of JSON Schema type `ty` can compare with a literal of kind `kind`; CEL
/// compares integers and doubles with each other.
fn compatible(ty: &str, kind: &str) -> bool {
    let number = |t: &str| matches!(t, "integer" | "number");
    ty == kind || (number(ty) && number(kind))
}

/// "a string", "an integer", … for a JSON Schema type or a literal's kind.
fn article(ty: &str) -> String {
    match ty {
        "integer" | "object" | "array" => format!("an {ty}"),
        "null" => "null".to_owned(),
        "bytes" => "bytes".to_owned(),
        other => format!("a {other}"),
    }
}

/// Equality of JSON values as CEL sees it: numbers by value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// A literal of a rule, as a JSON Schema type and, when JSON has it, a value.
struct Literal {
    kind: &'static str,
    value: Option<Value>,
}

impl Literal {
    /// `null` compares with anything (it tests presence), so it is no literal here.
    fn of(e: &IdedExpr) -> Option<Self> {
        let Expr::Literal(lit) = &e.expr else {
            return None;
        };
        let (kind, value) = match lit {
            LiteralValue::String(s) => ("string", Some(Value::String(s.inner().to_owned()))),
            LiteralValue::Int(i) => ("integer", Some(Value::from(*i.inner()))),
            LiteralValue::UInt(u) => ("integer", Some(Value::from(*u.inner()))),
            LiteralValue::Double(d) => (
                "number",
                serde_json::Number::from_f64(*d.inner()).map(Value::Number),
            ),
            LiteralValue::Boolean(b) => ("boolean", Some(Value::Bool(*b.inner()))),
            LiteralValue::Bytes(_) => ("bytes", None),
            LiteralValue::Null => return None,
        };
        Some(Self { kind, value })
    }
}

#[cfg(test)]
mod tests {
    use crate::Date;

    /// An order desk: a lookup with an output schema and a capture, and a refund whose rule
    /// is `RULE`, written single-quoted on one line (the rule starts at column 16 of line 27).
    const SHOP: &str = r#"name: shop
role: You help with orders.
tools:
  - name: lookup_order
    description: Find an order.
    parameters: {type: object, properties: {order_id: {type: string}}, required: [order_id]}
    output_schema:
      type: object
      properties:
        order_id: {type: string}
        status: {type: string, enum: [pending, shipped, cancelled]}
        total: {type: number}
        items:
          type: array
          items: {type: object, properties: {sku: {type: string}, qty: {type: integer}}}
    captures:
      - name: order
        key: order_id
    run: {fixtures: [{result: {order_id: A1, status: pending, total: 10, items: []}}]}
  - name: refund_order
    description: Refund an order.
    parameters:
      type: object
      properties: {order_id: {type: string}, minutes: {type: integer}, reason: {type: string}}
    guards:
      - say: No.
        rule: 'RULE'
    run: {webhook: {url: "https://tools.example/refund"}}
"#;

    /// The findings of this pass: code, line, column and message.
    fn findings(text: &str) -> Vec<(&'static str, usize, usize, String)> {
        let loaded = crate::load(text).unwrap_or_else(|d| panic!("does not load: {d:#?}"));
        super::super::lint(&loaded, Date::known(2026, 12, 7))
            .into_iter()
            .filter(|d| matches!(d.code, "SB0130" | "SB0131" | "SB0132" | "SB0133"))
            .map(|d| {
                let (line, column) = d.span.map_or((0, 0), |s| (s.line, s.column));
                assert!(d.hint.is_some(), "{} has no hint", d.code);
                (d.code, line, column, d.message)
            })
            .collect()
    }

    fn shop(rule: &str) -> Vec<(&'static str, usize, usize, String)> {
        findings(&SHOP.replace("RULE", rule))
    }

    /// The codes and columns of the findings of a refund rule.
    fn at(rule: &str) -> Vec<(&'static str, usize)> {
        shop(rule)
            .into_iter()
            .map(|(c, _, col, _)| (c, col))
            .collect()
    }

    fn hints(text: &str) -> Vec<String> {
        let loaded = crate::load(text).expect("loads");
        super::super::lint(&loaded, Date::known(2026, 12, 7))
            .into_iter()
            .filter(|d| d.code.starts_with("SB013"))
            .filter_map(|d| d.hint)
            .collect()
    }

    #[test]
    fn rules_that_read_what_exists_are_clean() {
        for rule in [
            r#"results.lookup_order.order_id == args.order_id && results.lookup_order.status != "cancelled""#,
            r#"args.order_id in results.lookup_order.items.map(i, i.sku) || results.lookup_order.total >= 10"#,
            r#"results.lookup_order.items.all(i, i.qty > 0 && i.sku != "")"#,
            r#"order.status == "shipped" && captures.order[args.order_id].total < 100.5"#,
            r#"called("lookup_order", {"order_id": args.order_id}) && args.minutes < 60"#,
            r#"has(results.lookup_order.status) && type(args.minutes) == int"#,
            r#"now - timestamp("2026-12-01T00:00:00Z") < duration("24h") || state == null"#,
            r#"optional.none().hasValue() == false && args.reason.startsWith("damaged")"#,
            r#"results["lookup_order"].status in ["pending", "shipped"]"#,
            r#"args.minutes < 60.5 && results.lookup_order.total > 3 && args.reason != null"#,
        ] {
            assert_eq!(shop(rule), vec![], "{rule}");
        }
    }

    #[test]
    fn a_name_rules_do_not_see_is_pointed_at_with_the_closest_one() {
        let found = shop(r#"args.order_id != "" && ordr.status == "shipped""#);
        assert_eq!(found.len(), 1, "{found:?}");
        let (code, line, column, message) = &found[0];
        assert_eq!((*code, *line, *column), ("SB0130", 27, 16 + 23));
        assert_eq!(
            message,
            "a rule of tool `refund_order` reads `ordr`, which is not a name rules see"
        );
        let text = SHOP.replace("RULE", "ordr.total > 1");
        assert_eq!(hints(&text), ["did you mean `order`?"]);
        // A tool's name alone is its result's place under `results`.
        let text = SHOP.replace("RULE", "lookup_order.total > 1");
        assert_eq!(
            hints(&text),
            ["the result of tool `lookup_order` is `results.lookup_order`"]
        );
    }

    #[test]
    fn unknown_tools_slots_captures_and_arguments_are_each_reported() {
        assert_eq!(at("results.lookup_ordr.total > 1"), [("SB0130", 16 + 8)]);
        assert_eq!(at(r#"called("lookup_ordr", {})"#), [("SB0130", 16 + 7)]);
        assert_eq!(at(r#"slots.account_id != """#), [("SB0130", 16 + 6)]);
        assert_eq!(at("captures.ordr.size() > 0"), [("SB0130", 16 + 9)]);
        assert_eq!(at("args.minuts < 60"), [("SB0130", 16 + 5)]);
        // An argument `called` compares must be a parameter of that tool, or it never matches.
        assert_eq!(
            at(r#"called("lookup_order", {"order": args.order_id})"#),
            [("SB0130", 16 + 24)]
        );
        let text = SHOP.replace("RULE", "args.minuts < 60");
        assert_eq!(hints(&text), ["did you mean `minutes`?"]);
        let message = &shop("results.lookup_ordr.total > 1")[0].3;
        assert_eq!(
            message,
            "a rule of tool `refund_order` reads `results.lookup_ordr`, but there is no tool `lookup_ordr`"
        );
    }

    #[test]
    fn a_field_the_output_schema_does_not_define_is_reported() {
        assert_eq!(
            at(r#"results.lookup_order.stauts == "shipped""#),
            [("SB0131", 16 + 21)]
        );
        // Through a capture, inside a list's items, and under `has`.
        assert_eq!(at("order.totl > 1"), [("SB0131", 16 + 6)]);
        assert_eq!(
            at("results.lookup_order.items.all(i, i.quantity > 0)"),
            [("SB0131", 16 + 36)]
        );
        assert_eq!(at("has(results.lookup_order.totl)"), [("SB0131", 16 + 25)]);
        // `captures.<name>` keeps entities by key.
        assert_eq!(
            at("captures.order[args.order_id].totl > 1"),
            [("SB0131", 16 + 30)]
        );
        let found = shop(r#"results.lookup_order.stauts == "shipped""#);
        assert_eq!(
            found[0].3,
            "a rule of tool `refund_order` reads `results.lookup_order.stauts`, but the `output_schema` of `lookup_order` has no field `stauts`"
        );
        let text = SHOP.replace("RULE", r#"results.lookup_order.stauts == "shipped""#);
        assert_eq!(hints(&text), ["did you mean `status`?"]);
    }

    #[test]
    fn a_schema_that_does_not_list_its_fields_is_not_second_guessed() {
        let open = SHOP.replace(
            "    captures:\n",
            "      additionalProperties: true\n    captures:\n",
        );
        assert_eq!(
            findings(&open.replace("RULE", "results.lookup_order.anything > 1")),
            vec![]
        );
        // A schema combined with others may have fields its own `properties` do not list.
        let combined = SHOP.replace(
            "    captures:\n",
            "      anyOf: [{required: [status]}, {required: [total]}]\n    captures:\n",
        );
        assert_eq!(
            findings(&combined.replace("RULE", "results.lookup_order.anything > 1")),
            vec![]
        );
        // An element of a list by index is its `items`.
        assert_eq!(
            at(
                r#"results.lookup_order.items[0].sku != "" && results.lookup_order.items[0].sk != """#
            ),
            [("SB0131", 16 + 73)]
        );
    }

    #[test]
    fn a_comparison_with_a_literal_of_another_type_is_reported() {
        assert_eq!(
            at("results.lookup_order.status == 3"),
            [("SB0132", 16 + 31)]
        );
        assert_eq!(at(r#"args.minutes < "60""#), [("SB0132", 16 + 15)]);
        assert_eq!(at(r#""60" > args.minutes"#), [("SB0132", 16)]);
        assert_eq!(at(r#"args.order_id in [1, "A1"]"#), [("SB0132", 16 + 18)]);
        assert_eq!(
            at("true in results.lookup_order.items.map(i, i.sku)"),
            [],
            "a computed list has no schema"
        );
        // A value the schema's enum does not allow is never equal either.
        assert_eq!(
            at(r#"results.lookup_order.status != "canceled""#),
            [("SB0132", 16 + 31)]
        );
        let text = SHOP.replace("RULE", r#"results.lookup_order.status != "canceled""#);
        assert_eq!(hints(&text), [r#"did you mean `"cancelled"`?"#]);
        let found = shop(r#"args.minutes < "60""#);
        assert_eq!(
            found[0].3,
            r#"a rule of tool `refund_order` compares `args.minutes`, an integer, with a string `"60"`"#
        );
    }

    #[test]
    fn results_of_tools_the_engine_never_sees_are_reported() {
        let client = SHOP.replace(
            "    run: {fixtures: [{result: {order_id: A1, status: pending, total: 10, items: []}}]}\n",
            "",
        );
        let found = findings(&client.replace("RULE", "results.lookup_order.total > 1"));
        assert_eq!(
            found.iter().map(|f| (f.0, f.2)).collect::<Vec<_>>(),
            [("SB0133", 16 + 8)]
        );
        assert!(found[0].3.contains("runs on the client"), "{}", found[0].3);
        // Through a capture too, and for `called`.
        let found =
            findings(&client.replace("RULE", r#"order.total > 1 && called("lookup_order", {})"#));
        assert_eq!(
            found.iter().map(|f| f.0).collect::<Vec<_>>(),
            ["SB0133", "SB0133"]
        );
        // A common tool answers the model, not the rules: its call is recorded, but it gives
        // no result.
        let common = SHOP.replace("tools:\n", "common_tools: [finish_session]\ntools:\n");
        let found = findings(&common.replace("RULE", "has(results.finish_session.status)"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, "SB0133");
        assert_eq!(
            findings(&common.replace("RULE", r#"!called("finish_session", {})"#)),
            vec![]
        );
        // A tool's rule may read the tool's own earlier result.
        let own = SHOP.replace(
            "RULE",
            r#"!called("refund_order", {"order_id": args.order_id})"#,
        );
        assert_eq!(findings(&own), vec![]);
    }

    #[test]
    fn calls_agent_and_caller_are_names_rules_see_with_their_shapes() {
        assert_eq!(
            at(r#"calls.filter(c, c.tool == "lookup_order" && c.outcome == "failed").size() < 3"#),
            []
        );
        assert_eq!(at(r#"agent == "shop" && caller != null"#), []);
        // An outcome the engine never records, and a field calls do not have.
        assert_eq!(
            at(r#"calls.exists(c, c.outcome == "fail")"#),
            [("SB0132", 16 + 29)]
        );
        assert_eq!(
            at(r#"calls.exists(c, c.name == "lookup_order")"#),
            [("SB0131", 16 + 18)]
        );
    }

    #[test]
    fn mcp_tools_are_read_under_their_servers_label_and_their_rules_are_checked() {
        let text = SHOP.replace(
            "tools:\n",
            "mcp_servers:\n  - server_label: crm\n    server_url: https://crm.example/mcp\n    allowed_tools: [find_customer, close_ticket]\n    tools:\n      - name: close_ticket\n        guards:\n          - rule: MCP_CHECK\n            say: No.\ntools:\n",
        );
        let both = |refund: &str, mcp: &str| {
            findings(&text.replace("RULE", refund).replace("MCP_CHECK", mcp))
                .into_iter()
                .map(|f| (f.0, f.1))
                .collect::<Vec<_>>()
        };
        let fine = r#"results["crm.find_customer"].id != "" && called("crm.find_customer", {})"#;
        assert_eq!(both(fine, "has(results.lookup_order.total)"), []);
        // By its bare name an MCP tool has neither result nor record; an MCP tool's own rules
        // are read like any other.
        assert_eq!(
            both("results.find_customer.id != \"\"", "ordr.total > 1"),
            [("SB0130", 10), ("SB0133", 36)]
        );
        let text = text.replace("RULE", r#"called("find_customer", {})"#);
        assert_eq!(
            hints(&text.replace("MCP_CHECK", "args.size() > 0")),
            [r#"ask `called("crm.find_customer", …)`, or remove this part of the rule"#]
        );
    }

    /// A dynamic flow: `verify` → `resolve` → `goodbye`; the lookup is offered in `LOOKUP_IN`
    /// and the refund, whose rule reads the lookup's result, in `resolve`.
    const FLOW: &str = r#"name: flow
role: You help with orders.
tools:
  - name: lookup_order
    description: Find an order.
    parameters: {type: object, properties: {order_id: {type: string}}}
    output_schema: {type: object, properties: {status: {type: string}}}
    run: {fixtures: [{result: {status: shipped}}]}
  - name: refund_order
    description: Refund an order.
    parameters: {type: object, properties: {order_id: {type: string}}}
    guards:
      - rule: results.lookup_order.status == "shipped"
        say: Only shipped orders are refunded.
    run: {webhook: {url: "https://tools.example/refund"}}
dynamic:
  initial: verify
  states:
    - id: verify
      instructions: Ask for the order number.
      tools: [VERIFY_TOOLS]
      transitions: [resolve]
      guards:
        - rule: EXIT_RULE
          say: Not yet.
    - id: resolve
      instructions: Refund the order.
      tools: [RESOLVE_TOOLS]
      transitions: [goodbye]
    - id: goodbye
      instructions: Say goodbye.
      tools: [GOODBYE_TOOLS]
  slots:
    - name: order_id
      tool: lookup_order
      from: {argument: order_id}
"#;

    fn flow(verify: &str, resolve: &str, goodbye: &str, exit: &str) -> String {
        FLOW.replace("VERIFY_TOOLS", verify)
            .replace("RESOLVE_TOOLS", resolve)
            .replace("GOODBYE_TOOLS", goodbye)
            .replace("EXIT_RULE", exit)
    }

    #[test]
    fn in_a_dynamic_flow_a_result_must_come_from_a_state_at_or_before_the_rule() {
        let exit = r#"args.next_state == "resolve" && slots.order_id != """#;
        // Looked up before the refund's state, or in it: fine.
        assert_eq!(
            findings(&flow("lookup_order", "refund_order", "", exit)),
            vec![]
        );
        assert_eq!(
            findings(&flow("", "lookup_order, refund_order", "", exit)),
            vec![]
        );
        // Looked up only after it: the refund's rule never sees the result.
        let found = findings(&flow("", "refund_order", "lookup_order", exit));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].0, found[0].1, found[0].2), ("SB0133", 13, 23));
        assert_eq!(
            found[0].3,
            "a rule of tool `refund_order` reads `results.lookup_order`, but `lookup_order` is offered only in state `goodbye`, from which no transition leads to a state offering `refund_order`"
        );
        // An exit rule of `verify` cannot read what only `resolve` looks up.
        let found = findings(&flow(
            "",
            "lookup_order, refund_order",
            "",
            r#"results.lookup_order.status != "lost""#,
        ));
        assert_eq!(
            found.iter().map(|f| (f.0, f.1)).collect::<Vec<_>>(),
            [("SB0133", 24)]
        );
        assert!(found[0].3.starts_with("an exit rule of state `verify`"));
    }

    #[test]
    fn an_exit_rule_sees_the_state_change_arguments_and_the_states() {
        let found = findings(&flow(
            "lookup_order",
            "refund_order",
            "",
            r#"args.next_stat == "resolve" || args.next_state == "resolv" || state == "verfy""#,
        ));
        let codes: Vec<&str> = found.iter().map(|f| f.0).collect();
        assert_eq!(codes, ["SB0130", "SB0132", "SB0132"], "{found:?}");
    }

    #[test]
    fn a_rule_written_over_several_lines_is_pointed_at_its_start() {
        let text = SHOP.replace(
            "        rule: 'RULE'\n",
            "        rule: >-\n          args.order_id != \"\" &&\n          ordr.total > 1\n",
        );
        let found = findings(&text);
        assert_eq!(
            found.iter().map(|f| (f.0, f.1, f.2)).collect::<Vec<_>>(),
            [("SB0130", 28, 11)]
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // "é" is two bytes in the rule but one column in the file.
        let found = shop(r#"args.reason != "é" && ordr.total > 1"#);
        assert_eq!(
            found.iter().map(|f| (f.0, f.2)).collect::<Vec<_>>(),
            [("SB0130", 16 + 22)]
        );
    }

    /// Odd rules that parse: none may panic the linter, whatever it makes of them.
    #[test]
    fn odd_rules_are_read_without_panicking() {
        for rule in [
            "results[1].x",
            "results[args.order_id].status",
            "results.lookup_order.items[args.minutes].qty > \"1\"",
            "{\"a\": 1}.a == 1",
            "[1, 2].all(x, x.y.z)",
            "results.lookup_order.items.exists(i, i.all(j, j.k))",
            "results.lookup_order.items.map(i, i).filter(x, x.sku == 1).size() == 0",
            "has(order.items) ? order.items[0].sku : \"\"",
            "size(args) == 0 && -args.minutes < 0u",
            "b\"x\" == args.reason",
        ] {
            let _ = shop(rule);
        }
    }

    proptest::proptest! {
        /// Rules drawn from the names and operators rules use: the lint never panics.
        #[test]
        fn no_rule_panics_the_linter(rule in "(args|results|order|calls|now|x)(\\.(lookup_order|status|items|sku|total)|\\[0\\]){0,4}( (==|<|in) (\"a\"|1|\\[1\\]|args\\.minutes))?") {
            let text = SHOP.replace("'RULE'", &serde_json::to_string(&rule).expect("a string"));
            if let Ok(loaded) = crate::load(&text) {
                let _ = super::super::lint(&loaded, Date::known(2026, 12, 7));
            }
        }
    }

    #[test]
    fn agents_without_rules_are_not_examined() {
        let text = SHOP.replace("    guards:\n      - say: No.\n        rule: 'RULE'\n", "");
        assert_eq!(findings(&text), vec![]);
    }
}
