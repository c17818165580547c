//! What the scenario editor relies on: errors that name the field and point at its line.

use msgflow::scenario::{error_position, line_col, locate, preset, Scenario};

fn first_error(text: &str) -> (String, String, Option<(usize, usize)>) {
    let e = Scenario::from_json(text).expect_err("invalid");
    let f = &e.errors[0];
    let pos = error_position(text, f).map(|(_, l, c)| (l, c));
    (f.path.clone(), f.message.clone(), pos)
}

#[test]
fn a_field_path_is_found_in_the_pretty_text() {
    let text = preset("work-queue").unwrap().to_json();
    let at = locate(&text, "nodes[2].role.consumer_group.count").unwrap();
    assert!(
        text[at..].starts_with("\"count\": 3"),
        "{}",
        &text[at..at + 20]
    );
    let (line, col) = line_col(&text, at);
    assert_eq!(
        text.lines().nth(line - 1).unwrap().trim_start(),
        "\"count\": 3,"
    );
    assert!(col > 1);
    // An array element, and a field that is not written out: its enclosing object.
    let at = locate(&text, "links[1]").unwrap();
    assert!(text[at..].starts_with('{'));
    let at = locate(&text, "nodes[0].role.producer.nope").unwrap();
    assert!(text[at..].starts_with("\"producer\""));
    assert_eq!(locate(&text, ""), None);
    // Garbage never panics.
    for bad in [
        "",
        "{",
        "[[[",
        "{\"a\":",
        "\"unterminated",
        "{\"a\" 1}",
        "[1,,2]",
    ] {
        let _ = locate(bad, "a[0].b");
    }
    assert_eq!(locate(&"[".repeat(10_000), "a"), None);
}

#[test]
fn an_out_of_range_value_names_the_field_and_its_line() {
    let text = preset("work-queue")
        .unwrap()
        .to_json()
        .replace("\"count\": 3", "\"count\": 0");
    let (path, msg, pos) = first_error(&text);
    assert_eq!(path, "nodes[2].role.consumer_group.count");
    assert_eq!(msg, "must be between 1 and 64, got 0");
    let (line, _) = pos.unwrap();
    assert!(text.lines().nth(line - 1).unwrap().contains("\"count\": 0"));
}

#[test]
fn a_syntax_error_gives_line_column_and_the_field() {
    let text = preset("work-queue").unwrap().to_json();
    // Drop the comma after the consumer count.
    let broken = text.replacen("\"count\": 3,", "\"count\": 3", 1);
    let (path, msg, pos) = first_error(&broken);
    assert_eq!(path, "nodes[2].role.consumer_group");
    assert!(msg.starts_with("expected `,` or `}` at line "), "{msg}");
    let (line, col) = pos.unwrap();
    assert!(
        msg.ends_with(&format!("at line {line} column {col}")),
        "{msg}"
    );
    // A wrong type names the field too.
    let typed = text.replacen("\"count\": 3", "\"count\": \"three\"", 1);
    let (path, msg, _) = first_error(&typed);
    assert_eq!(path, "nodes[2].role.consumer_group.count");
    assert!(
        msg.starts_with("must be a whole number between 1 and 64, got string \"three\""),
        "{msg}"
    );
}

#[test]
fn an_oversized_document_is_refused_with_the_limit() {
    let big = format!(
        "{{\"version\":1,\"name\":\"{}\",\"nodes\":[]}}",
        "x".repeat(msgflow::scenario::limits::MAX_SCENARIO_BYTES)
    );
    let e = Scenario::from_json(&big).unwrap_err();
    assert!(e.errors[0].message.contains("at most 1048576 are accepted"));
}
