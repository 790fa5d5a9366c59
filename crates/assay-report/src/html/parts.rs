//! Small HTML pieces shared by the sections: tables, cells with raw
//! values, summary cards and image figures.

use std::fmt::Write as _;

use crate::data::{ReportData, Thumbnail};
use crate::escape::html;

/// A table from a header and rows of finished `<td>` cells.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", html(h));
    }
    out += "</tr></thead><tbody>";
    for row in rows {
        out += "<tr>";
        for cell in row {
            out += cell;
        }
        out += "</tr>";
    }
    out + "</tbody></table>"
}

/// A text cell.
pub fn td(text: &str) -> String {
    format!("<td>{}</td>", html(text))
}

/// A number cell: the text as printed, with `data-*` attributes (name,
/// value pairs, values escaped) naming what it is.
pub fn td_num(text: &str, attrs: &[(&str, &str)]) -> String {
    let mut out = String::from("<td class=\"num\"");
    for (name, value) in attrs {
        let _ = write!(out, " data-{name}=\"{}\"", html(value));
    }
    let _ = write!(out, ">{}</td>", html(text));
    out
}

/// A raw value for a `data-value` attribute (`null` when not finite).
pub fn raw(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        "null".to_string()
    }
}

/// A labelled number.
pub struct Card<'a> {
    /// What the number is.
    pub label: &'a str,
    /// The number as printed.
    pub value: String,
    /// `data-*` attributes of the number: (name, value).
    pub attrs: Vec<(&'a str, String)>,
}

/// A row of labelled numbers.
pub fn cards(items: &[Card]) -> String {
    let mut out = String::from("<div class=\"cards\">");
    for card in items {
        let mut data = String::new();
        for (name, v) in &card.attrs {
            let _ = write!(data, " data-{name}=\"{}\"", html(v));
        }
        let _ = write!(
            out,
            "<div class=\"card\"><div class=\"n\"{data}>{}</div><div class=\"k\">{}</div></div>",
            html(&card.value),
            html(card.label)
        );
    }
    out + "</div>"
}

/// An image with a caption: the thumbnail of `path`, or a placeholder
/// saying why there is none. `alt` is plain text; `caption_html` is markup
/// whose text the caller escaped.
pub fn figure(data: &ReportData, path: Option<&str>, alt: &str, caption_html: &str) -> String {
    let image = match path.map(|p| data.thumbnails.get(p)) {
        Some(Some(Thumbnail::DataUri(uri))) => {
            format!("<img src=\"{uri}\" alt=\"{}\">", html(alt))
        }
        Some(Some(Thumbnail::Unavailable(why))) => {
            format!(
                "<div class=\"placeholder\">cannot show: {}</div>",
                html(why)
            )
        }
        Some(None) => "<div class=\"placeholder\">thumbnail not embedded</div>".into(),
        None => "<div class=\"placeholder\">no file recorded</div>".into(),
    };
    format!("<figure>{image}<figcaption>{caption_html}</figcaption></figure>")
}
