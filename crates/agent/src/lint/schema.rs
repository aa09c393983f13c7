//! Rules about tool parameters: the JSON Schema the model fills in.

use serde_json::Value;

use super::Rule;
use super::prose::{Context, parameter_names};
use crate::diagnostic::Diagnostic;

/// Turns a JSON pointer inside `root` into a serde path below `base`
/// (`/properties/a/enum/0` → `base.properties.a.enum[0]`).
fn pointer_path(base: &str, root: &Value, pointer: &str) -> String {
    let mut path = base.to_owned();
    let mut value = Some(root);
    for raw in pointer.split('/').skip(1) {
        let part = raw.replace("~1", "/").replace("~0", "~");
        match value {
            Some(Value::Array(items)) => {
                path.push_str(&format!("[{part}]"));
                value = part.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            _ => {
                path.push('.');
                path.push_str(&part);
                value = value.and_then(|v| v.get(&part));
            }
        }
    }
    path
}

/// SB0105. The tool's `parameters` is sent as the function's JSON Schema: it is all the
/// model knows about the arguments, the API may refuse a session whose schema is invalid,
/// and the engine checks arguments against it. Function arguments are an object. The schema
/// is compiled with the `jsonschema` crate, without fetching anything, so a remote `$ref` is
/// reported too.
pub(super) fn invalid_schema(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, tool) in cx.agent.tools.iter().enumerate() {
        let base = format!("tools[{i}].parameters");
        if !tool.parameters.is_object() {
            continue; // the loader already refused it
        }
        if let Err(err) = jsonschema::validator_for(&tool.parameters) {
            let pointer = err.instance_path().to_string();
            let path = pointer_path(&base, &tool.parameters, &pointer);
            let mut d = Rule::InvalidSchema
                .diagnostic(format!(
                    "`parameters` of tool `{}` is not a valid JSON Schema: {err}",
                    tool.name
                ))
                .at_opt(cx.doc.span_of(&path));
            d = if err.to_string().contains("not present in a registry") {
                d.hint("Switchboard does not fetch schemas: copy the referenced schema under `$defs` and point `$ref` at `#/$defs/…`")
            } else if pointer.ends_with("/type") {
                d.hint("JSON Schema types are string, number, integer, boolean, object, array and null")
            } else {
                d.hint("fix the schema: the model fills the arguments from it, and arguments cannot be checked against a schema that does not compile")
            };
            out.push(d);
            continue;
        }
        let kind = tool.parameters.get("type");
        if kind.is_some_and(|k| k != "object") {
            out.push(
                Rule::InvalidSchema
                    .diagnostic(format!(
                        "`parameters` of tool `{}` must describe an object, not {}",
                        tool.name,
                        kind.map_or_else(String::new, Value::to_string)
                    ))
                    .at_opt(cx.doc.span_of(&format!("{base}.type")))
                    .hint("function arguments are an object: `type: object` with `properties`"),
            );
        }
    }
}

/// SB0106. `required` naming a property that `properties` does not define is almost always
/// a typo or a rename: the model is told the argument is mandatory but is given no
/// description or type for it, and a strict validator rejects every call.
pub(super) fn required_not_property(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, tool) in cx.agent.tools.iter().enumerate() {
        let mut found = Vec::new();
        walk(&tool.parameters, "", &mut found);
        for (pointer, name, known) in found {
            let path = pointer_path(
                &format!("tools[{i}].parameters"),
                &tool.parameters,
                &pointer,
            );
            let d = Rule::RequiredNotProperty
                .diagnostic(format!(
                    "`required` names `{name}`, which the `properties` beside it do not define (tool `{}`)",
                    tool.name
                ))
                .at_opt(cx.doc.span_of(&path));
            out.push(match crate::load::closest(&name, &known) {
                Some(best) => d.hint(format!("did you mean `{best}`?")),
                None => d.hint(format!(
                    "define `{name}` under `properties`, or remove it from `required`"
                )),
            });
        }
    }
}

/// Finds `required` entries missing from a sibling `properties`, in every subschema:
/// (pointer of the entry, its name, the properties there are).
fn walk(schema: &Value, pointer: &str, found: &mut Vec<(String, String, Vec<String>)>) {
    let Some(map) = schema.as_object() else {
        return;
    };
    if let (Some(Value::Array(required)), Some(Value::Object(props))) =
        (map.get("required"), map.get("properties"))
    {
        let known: Vec<String> = props.keys().cloned().collect();
        for (j, name) in required.iter().enumerate() {
            if let Some(name) = name.as_str()
                && !props.contains_key(name)
            {
                found.push((
                    format!("{pointer}/required/{j}"),
                    name.to_owned(),
                    known.clone(),
                ));
            }
        }
    }
    for (key, child) in map {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        match (key.as_str(), child) {
            (
                "properties" | "$defs" | "definitions" | "patternProperties",
                Value::Object(items),
            ) => {
                for (name, sub) in items {
                    let name = name.replace('~', "~0").replace('/', "~1");
                    walk(sub, &format!("{pointer}/{escaped}/{name}"), found);
                }
            }
            ("anyOf" | "oneOf" | "allOf" | "prefixItems", Value::Array(items)) => {
                for (j, sub) in items.iter().enumerate() {
                    walk(sub, &format!("{pointer}/{escaped}/{j}"), found);
                }
            }
            ("items" | "additionalProperties" | "not" | "if" | "then" | "else", sub) => {
                walk(sub, &format!("{pointer}/{escaped}"), found);
            }
            _ => {}
        }
    }
}

/// SB0107. `limits.arguments` are enforced by the engine on the named argument; a name the
/// schema does not have is never checked, so the limit the author relies on does not exist.
pub(super) fn unknown_limit_argument(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for (i, tool) in cx.agent.tools.iter().enumerate() {
        let params: Vec<String> = parameter_names(tool)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for name in tool.limits.arguments.keys() {
            if params.contains(name) {
                continue;
            }
            let d = Rule::UnknownLimitArgument
                .diagnostic(format!(
                    "`limits.arguments` names `{name}`, which is not a parameter of tool `{}`",
                    tool.name
                ))
                .at_opt(
                    cx.doc
                        .key_span_of(&format!("tools[{i}].limits.arguments.{name}")),
                );
            out.push(match crate::load::closest(name, &params) {
                Some(best) => d.hint(format!("did you mean `{best}`?")),
                None if params.is_empty() => d.hint(format!("`{}` takes no parameters", tool.name)),
                None => d.hint(format!("its parameters are: {}", params.join(", "))),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_serde_paths() {
        let root = serde_json::json!({"properties": {"a/b": {"enum": [1, 2]}}});
        assert_eq!(
            pointer_path("t", &root, "/properties/a~1b/enum/1"),
            "t.properties.a/b.enum[1]"
        );
        assert_eq!(pointer_path("t", &root, ""), "t");
    }
}
