//! The IPC contract, written twice (issue 17, item 4): the commands and events here, and the
//! UI's command table and listeners in `ui/src/lib/api.ts`. Types cross by ts-rs; names,
//! argument keys, optional arguments, result types and event names are checked here, so
//! renaming one side without the other fails the build's tests rather than the user's click.

use std::collections::{BTreeMap, BTreeSet};

const COMMANDS_RS: &str = include_str!("../commands.rs");
const API_TS: &str = include_str!("../../ui/src/lib/api.ts");

/// One command as declared: its IPC argument keys (camelCase, with whether each may be left
/// out) and its result type, both written as TypeScript would.
#[derive(Debug, PartialEq, Eq)]
struct Declared {
    args: BTreeMap<String, (bool, String)>,
    result: String,
}

/// Splits `text` at `sep` where no `<`, `(`, `[` or `{` is open.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let (mut depth, mut part, mut parts) = (0i32, String::new(), Vec::new());
    for c in text.chars() {
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' | ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            parts.push(part.trim().to_owned());
            part.clear();
        } else {
            part.push(c);
        }
    }
    if !part.trim().is_empty() {
        parts.push(part.trim().to_owned());
    }
    parts
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// A Rust type as the UI receives it (serde + ts-rs): paths dropped, wrappers mapped.
fn ts_type(rust: &str) -> String {
    let rust = rust.trim();
    let generic = |outer: &str| {
        rust.strip_prefix(outer)
            .and_then(|r| r.strip_prefix('<'))
            .and_then(|r| r.strip_suffix('>'))
    };
    if rust == "()" {
        return "null".into();
    }
    if let Some(inner) = generic("Option") {
        return format!("{} | null", ts_type(inner));
    }
    if let Some(inner) = generic("Vec") {
        return format!("{}[]", ts_type(inner));
    }
    // A read served live or from the offline copy has the same shape.
    if let Some(inner) = generic("Read") {
        return ts_type(inner);
    }
    if let Some(inner) = generic("Channel") {
        return format!("Channel<{}>", ts_type(inner));
    }
    if let Some(inner) = generic("Submitted") {
        return format!("Submitted<{}>", ts_type(inner));
    }
    if rust.contains("DateTime<") {
        return "string".into(); // RFC 3339
    }
    let last = rust.rsplit("::").next().unwrap_or(rust);
    match last {
        "Uuid" | "String" | "str" => "string".into(),
        "bool" => "boolean".into(),
        "i32" | "i64" | "u32" | "u64" => "number".into(),
        "Value" => "JsonValue".into(),
        other => other.into(),
    }
}

/// Names the UI may use for a string the backend checks itself (a narrower TypeScript type).
const STRING_ALIASES: [&str; 1] = ["DraftKey"];

fn registered_in_rust() -> BTreeSet<String> {
    let list = COMMANDS_RS
        .split_once("generate_handler![")
        .and_then(|(_, rest)| rest.split_once(']'))
        .expect("commands.rs registers its commands with generate_handler!")
        .0;
    split_top(list, ',').into_iter().collect()
}

fn declared_in_rust() -> BTreeMap<String, Declared> {
    let mut declared = BTreeMap::new();
    for chunk in COMMANDS_RS.split("#[tauri::command]").skip(1) {
        let after_fn = chunk.split_once("fn ").expect("a command is a fn").1;
        let (name, rest) = after_fn.split_once('(').unwrap();
        // The parameter list ends at the parenthesis that closes the first one.
        let mut depth = 1;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                depth == 0
            })
            .unwrap()
            .0;
        let (params, tail) = (&rest[..end], &rest[end + 1..]);
        let mut args = BTreeMap::new();
        for param in split_top(params, ',') {
            let (key, ty) = param.split_once(':').unwrap();
            let ty = ty.trim();
            // Filled in by Tauri, not sent by the UI.
            if ["State<", "Request<", "AppHandle", "tauri::"]
                .iter()
                .any(|p| ty.starts_with(p))
            {
                continue;
            }
            let optional = ty.starts_with("Option<");
            args.insert(camel(key.trim()), (optional, ts_type(ty)));
        }
        let result = tail
            .split_once("CommandResult<")
            .map(|(_, r)| r.split_once(" {").unwrap().0.trim())
            .and_then(|r| r.strip_suffix('>'))
            .unwrap_or_else(|| panic!("{name} returns a CommandResult"));
        declared.insert(
            name.trim().to_owned(),
            Declared {
                args,
                result: ts_type(result),
            },
        );
    }
    declared
}

fn declared_in_ts() -> BTreeMap<String, Declared> {
    let table = API_TS
        .split_once("interface Commands {")
        .and_then(|(_, rest)| rest.split_once("\n}"))
        .expect("api.ts has its interface Commands")
        .0;
    let mut declared = BTreeMap::new();
    for line in table.lines().map(str::trim) {
        let Some((name, rest)) = line.split_once(": { args: ") else {
            continue;
        };
        let (args_text, result) = rest.rsplit_once("; result: ").unwrap();
        let result = result.strip_suffix(" };").unwrap().trim().to_owned();
        let mut args = BTreeMap::new();
        if let Some(body) = args_text
            .strip_prefix('{')
            .and_then(|a| a.strip_suffix('}'))
        {
            for arg in split_top(body, ';') {
                let (key, ty) = arg.split_once(':').unwrap();
                let (key, optional) = match key.trim().strip_suffix('?') {
                    Some(key) => (key, true),
                    None => (key.trim(), false),
                };
                args.insert(key.to_owned(), (optional, ty.trim().to_owned()));
            }
        }
        declared.insert(name.to_owned(), Declared { args, result });
    }
    declared
}

/// Whether the UI's argument type accepts what the command takes.
fn arg_fits(rust: &(bool, String), ts: &(bool, String)) -> bool {
    let (rust_optional, rust_ty) = rust;
    let (ts_optional, ts_ty) = ts;
    let base = rust_ty.strip_suffix(" | null").unwrap_or(rust_ty);
    let ts_base = ts_ty.strip_suffix(" | null").unwrap_or(ts_ty);
    let same = base == ts_base || (base == "string" && STRING_ALIASES.contains(&ts_base));
    // An Option may be left out or sent as null; anything else must be sent.
    same && (*rust_optional || (!ts_optional && ts_base == ts_ty))
}

#[test]
fn every_command_is_registered_and_in_the_ui_s_table_with_the_same_keys_and_result() {
    let registered = registered_in_rust();
    let rust = declared_in_rust();
    let ts = declared_in_ts();
    assert!(
        rust.len() > 40,
        "the parser found the commands: {}",
        rust.len()
    );
    let declared: BTreeSet<String> = rust.keys().cloned().collect();
    assert_eq!(
        registered, declared,
        "generate_handler! lists every command"
    );
    let in_ts: BTreeSet<String> = ts.keys().cloned().collect();
    assert_eq!(declared, in_ts, "api.ts names the same commands");
    let mut wrong = Vec::new();
    for (name, command) in &rust {
        let ui = &ts[name];
        if name == "upload_chunk" {
            // Raw bytes with headers: no JSON keys (see the command).
            assert!(
                command.args.is_empty(),
                "upload_chunk takes only the request"
            );
            continue;
        }
        let keys: BTreeSet<_> = command.args.keys().collect();
        let ui_keys: BTreeSet<_> = ui.args.keys().collect();
        if keys != ui_keys {
            wrong.push(format!("{name}: keys {keys:?} here, {ui_keys:?} in api.ts"));
            continue;
        }
        for (key, arg) in &command.args {
            if !arg_fits(arg, &ui.args[key]) {
                wrong.push(format!(
                    "{name}.{key}: {arg:?} here, {:?} in api.ts",
                    ui.args[key]
                ));
            }
        }
        if command.result != ui.result {
            wrong.push(format!(
                "{name}: returns {} here, {} in api.ts",
                command.result, ui.result
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "the two sides differ:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_ui_listens_to_exactly_the_events_the_backend_sends() {
    let listened: BTreeSet<&str> = API_TS
        .match_indices("listen<")
        .filter_map(|(at, _)| {
            let rest = &API_TS[at..];
            let name = rest.split_once("(\"")?.1.split_once('"')?.0;
            Some(name)
        })
        .collect();
    let sent: BTreeSet<&str> = crate::events::ALL.into_iter().collect();
    assert_eq!(listened, sent);
    // Every emit names one of them: no event string is written by hand.
    let sources = [
        include_str!("../app.rs"),
        include_str!("../state.rs"),
        include_str!("../tray.rs"),
        include_str!("../notify/desktop.rs"),
    ];
    for source in sources {
        for (at, _) in source.match_indices(".emit") {
            let call = &source[at..source.len().min(at + 60)];
            assert!(
                !call.contains("(\"") && !call.contains(", \""),
                "an event name written by hand: {call}"
            );
        }
    }
}

#[test]
fn the_checker_sees_a_difference() {
    // Controls: the parsers and the comparison can fail.
    assert_eq!(ts_type("CommandResult"), "CommandResult");
    assert_eq!(
        ts_type("Option<Vec<crate::domain::x::Thing>>"),
        "Thing[] | null"
    );
    assert_eq!(ts_type("Read<QueuePage>"), "QueuePage");
    assert_eq!(camel("on_top"), "onTop");
    assert_eq!(ts_type("chrono::DateTime<chrono::Utc>"), "string");
    assert!(
        !arg_fits(&(false, "string".into()), &(true, "string".into())),
        "required sent as optional"
    );
    assert!(arg_fits(
        &(true, "boolean | null".into()),
        &(true, "boolean".into())
    ));
    assert!(!arg_fits(
        &(false, "NewTicket".into()),
        &(false, "NewComment".into())
    ));
    assert!(arg_fits(
        &(false, "string".into()),
        &(false, "DraftKey".into())
    ));
    let ts = declared_in_ts();
    assert_eq!(
        ts["create_ticket"].result, "Submitted<TicketSummary>",
        "the table parses"
    );
}
