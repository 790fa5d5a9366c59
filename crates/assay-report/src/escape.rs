//! Escaping of text from the store for HTML and Markdown.

/// Escapes text for HTML element content and double- or single-quoted
/// attribute values.
pub fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON for a `<script type="application/json">` block: every `<` becomes
/// `\u003c` (valid inside JSON strings, the only place it can occur), so
/// no `</script>` or `<!--` in the data can end the block.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c")
}

/// Escapes text for a Markdown table cell: pipes, backslashes, HTML and
/// emphasis characters lose their meaning, line breaks become spaces.
pub fn markdown_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_special_characters_are_escaped() {
        assert_eq!(
            html(r#"<img src=x onerror="a('b')">&"#),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(html("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn script_json_cannot_close_its_block() {
        let json = serde_json::json!({"name": "</script><script>alert(1)</script>"}).to_string();
        let safe = script_json(&json);
        assert!(!safe.contains("</script"), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><script>alert(1)</script>");
    }

    #[test]
    fn markdown_cells_keep_their_column() {
        assert_eq!(markdown_cell("a|b\nc"), "a\\|b c");
        assert_eq!(markdown_cell("_x_ <b>"), "\\_x\\_ \\<b\\>");
    }
}
