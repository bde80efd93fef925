//! The HTML of the public label page: small, self-contained (no external assets, no
//! scripts), every value escaped.

use eckwms_global_domain::public::PublicView;

/// `&`, `<`, `>`, `"` and `'` as character references: safe in text and in quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{margin:0;font:16px/1.5 system-ui,sans-serif;background:#f4f5f7;color:#1d2330}\
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;\
box-shadow:0 1px 3px rgba(0,0,0,.12)}h1{font-size:1.4rem;margin:0 0 1rem}\
.check{color:#5b6475;font-weight:normal}dl{display:grid;grid-template-columns:auto 1fr;\
gap:.4rem 1rem;margin:0}dt{color:#5b6475}dd{margin:0;overflow-wrap:anywhere}\
.note{margin-top:1rem;color:#8a5a00;font-size:.9rem}footer{margin-top:1.5rem;color:#8a909c;\
font-size:.8rem}";

fn document(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{}</title><style>{STYLE}</style>\
         </head><body><main>{body}<footer>ECKWMS</footer></main></body></html>\n",
        escape(title)
    )
}

fn kind_word(kind: &str) -> &'static str {
    match kind {
        "item" => "Item",
        "box" => "Box",
        "place" => "Place",
        "order" => "Order",
        "user" => "User",
        _ => "Label",
    }
}

/// The page of a public view; `stale` adds a note that the owner could not be asked now.
pub fn view_page(view: &PublicView, stale: bool) -> String {
    let heading = format!("{} {}", kind_word(view.kind()), view.number());
    let mut body = format!(
        "<h1>{} <span class=\"check\">{}</span></h1><dl>",
        escape(&heading),
        escape(view.check())
    );
    for field in view.fields() {
        body.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>",
            escape(&field.name),
            escape(&field.value)
        ));
    }
    body.push_str("</dl>");
    if stale {
        body.push_str(
            "<p class=\"note\">The owner of this label cannot be reached right now; \
             this information may be out of date.</p>",
        );
    }
    document(&heading, &body)
}

/// The one page for every label we cannot show: not a label, not ours, or nothing public.
pub fn not_found_page() -> String {
    document(
        "Label not found",
        "<h1>Label not found</h1><p>There is no public information for this label. \
         Check that the whole code was scanned.</p>",
    )
}

/// The owner could not be asked and nothing is cached.
pub fn unavailable_page() -> String {
    document(
        "Not available right now",
        "<h1>Not available right now</h1><p>The information for this label cannot be \
         shown right now. Please try again in a few minutes.</p>",
    )
}

/// One client asked too often.
pub fn busy_page() -> String {
    document(
        "Too many requests",
        "<h1>Too many requests</h1><p>Please wait a moment and try again.</p>",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_special_character() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
        assert_eq!(escape("plain ü"), "plain ü");
    }

    #[test]
    fn an_order_page_shows_its_number_and_status() {
        let order = PublicView::from_json(
            br#"{"kind":"order","number":"800000001764000000","check":"AB","fields":[
                {"name":"Status","value":"Received, in progress"},
                {"name":"Tracking number","value":"1Z<999>"}]}"#,
        )
        .unwrap();
        let html = view_page(&order, false);
        assert!(html.contains("<title>Order 800000001764000000</title>"));
        assert!(html.contains("<h1>Order 800000001764000000 <span class=\"check\">AB</span></h1>"));
        assert!(html.contains("<dt>Status</dt><dd>Received, in progress</dd>"));
        assert!(html.contains("<dt>Tracking number</dt><dd>1Z&lt;999&gt;</dd>"));
        assert_eq!(html.matches("<dt>").count(), 2);
    }

    #[test]
    fn a_view_page_shows_escaped_fields_only() {
        let view = PublicView::from_json(
            br#"{"kind":"item","number":"42","check":"48","fields":[
                {"name":"<b>Model</b>","value":"\"><img src=x onerror=alert(1)>"},
                {"name":"Colour","value":"red & blue"}]}"#,
        )
        .unwrap();
        let html = view_page(&view, false);
        assert!(html.contains("<h1>Item 42 <span class=\"check\">48</span></h1>"));
        assert!(html.contains("<dt>&lt;b&gt;Model&lt;/b&gt;</dt>"));
        assert!(html.contains("<dd>&quot;&gt;&lt;img src=x onerror=alert(1)&gt;</dd>"));
        assert!(html.contains("<dd>red &amp; blue</dd>"));
        assert!(!html.contains("<img"));
        assert!(!html.contains("<b>"));
        assert!(!html.contains("out of date"));
        assert!(view_page(&view, true).contains("out of date"));
        // Self-contained: no external resources, no scripts.
        let plain = PublicView::from_json(
            br#"{"kind":"box","number":"7","check":"R1","fields":[{"name":"a","value":"b"}]}"#,
        )
        .unwrap();
        let order = PublicView::from_json(
            br#"{"kind":"order","number":"42","check":"48","fields":[
                {"name":"Status","value":"Received, in progress"},
                {"name":"Tracking number","value":"1Z<999>"}]}"#,
        )
        .unwrap();
        for page in [
            view_page(&order, false),
            view_page(&plain, true),
            not_found_page(),
            unavailable_page(),
            busy_page(),
        ] {
            assert!(!page.contains("<script"));
            assert!(!page.contains("src="));
            assert!(!page.contains("href="));
            assert!(!page.contains("http"));
        }
    }
}
