use super::*;
use proptest::prelude::*;

const GTIN: &str = "09506000134352";

fn full(expiry: (u16, u8, Option<u8>)) -> impl Fn(&Gs1) {
    move |gs1: &Gs1| {
        assert_eq!(gs1.gtin.as_str(), GTIN);
        assert_eq!(gs1.batch.as_deref(), Some("ABC123"));
        assert_eq!(gs1.serial.as_deref(), Some("XYZ"));
        let date = gs1.expiry.unwrap();
        assert_eq!((date.year(), date.month(), date.day()), expiry);
    }
}

#[test]
fn gtins() {
    assert_eq!(Gtin::parse(GTIN).unwrap().as_str(), GTIN);
    assert_eq!(
        Gtin::parse("4006381333931").unwrap().as_str(),
        "04006381333931"
    );
    assert_eq!(Gtin::parse("96385074").unwrap().as_str(), "00000096385074");
    assert_eq!(
        Gtin::parse("036000291452").unwrap().as_str(),
        "00036000291452"
    );
    assert_eq!(Gtin::parse("4006381333932"), Err(Gs1Error::CheckDigit));
    for bad in ["", "123", "400638133393", "40063813339310", "400638133393a"] {
        assert!(Gtin::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn bracketed() {
    let check = full((2020, 12, Some(25)));
    check(&parse("(01)09506000134352(17)201225(10)ABC123(21)XYZ").unwrap());
    check(&parse("(01)09506000134352(10)ABC123(21)XYZ(17)201225").unwrap());
    // Unknown AIs are skipped; a "(" that opens no AI belongs to the value.
    let gs1 = parse("(01)09506000134352(11)200101(10)A(B(240)X").unwrap();
    assert_eq!(gs1.batch.as_deref(), Some("A(B"));
    assert_eq!(parse("(10)ABC"), Err(Gs1Error::NoGtin));
    assert_eq!(parse("(01)09506000134353"), Err(Gs1Error::CheckDigit));
    assert_eq!(
        parse("(01)9506000134352"),
        Err(Gs1Error::Value { ai: "01" })
    );
    assert_eq!(parse("(01)"), Err(Gs1Error::Syntax));
    assert_eq!(parse("(1)09506000134352"), Err(Gs1Error::Syntax));
    assert_eq!(
        parse("(01)09506000134352(01)09506000134352"),
        Err(Gs1Error::Duplicate { ai: "01" })
    );
}

#[test]
fn element_strings() {
    let check = full((2020, 12, Some(25)));
    let gs = "\u{1d}";
    let raw = format!("01{GTIN}1720122510ABC123{gs}21XYZ");
    check(&parse(&raw).unwrap());
    for prefix in ["]C1", "]d2", "]Q3", "]e0", gs, "]d2\u{1d}"] {
        check(&parse(&format!("{prefix}{raw}")).unwrap());
    }
    // Fixed-length fields may be followed by a GS; variable ones may end the string with one.
    check(&parse(&format!("01{GTIN}{gs}17201225{gs}10ABC123{gs}21XYZ{gs}")).unwrap());
    // Unknown AIs: predefined-length ones by length, others up to the GS.
    let gs1 = parse(&format!("]d201{GTIN}11200101240ABC{gs}3103000123{gs}10L1")).unwrap();
    assert_eq!(gs1.batch.as_deref(), Some("L1"));
    assert_eq!(parse("]X001234"), Err(Gs1Error::NotGs1));
    assert_eq!(
        parse(&format!("01{GTIN}17201232")),
        Err(Gs1Error::Value { ai: "17" })
    );
    assert_eq!(parse(&format!("01{GTIN}1720122")), Err(Gs1Error::Syntax));
    assert_eq!(parse(&format!("01{GTIN}10")), Err(Gs1Error::Syntax));
    assert_eq!(
        parse(&format!("01{GTIN}10{}", "A".repeat(21))),
        Err(Gs1Error::Value { ai: "10" })
    );
    assert_eq!(parse(&format!("01{GTIN}10AB CD")), Err(Gs1Error::Syntax));
    assert_eq!(
        parse(&format!("01{GTIN}{gs}{gs}10A")),
        Err(Gs1Error::Syntax)
    );
}

#[test]
fn expiry_dates() {
    let date = |yymmdd: &str| Expiry::parse(yymmdd.as_bytes());
    assert_eq!(date("240229").map(|d| d.last_day()), Some(29));
    assert_eq!(date("250229"), None);
    assert_eq!(date("250431"), None);
    assert_eq!(date("251300"), None);
    assert_eq!(date("250000"), None);
    let end_of_month = date("250200").unwrap();
    assert_eq!(end_of_month.day(), None);
    assert_eq!(end_of_month.last_day(), 28);
    assert_eq!(date("991231").unwrap().year(), 2099);
}

#[test]
fn digital_links() {
    let check = full((2020, 12, Some(25)));
    for url in [
        "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=201225",
        "HTTP://example.com/01/09506000134352/10/ABC123/21/XYZ?17=201225&linkType=gs1:pip",
        "id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=201225",
        "https://brand.example/shop/01/09506000134352/22/V1/10/ABC%31%323/21/XYZ/?17=201225#x",
        "https://id.gs1.org/01/9506000134352/10/ABC123/21/XYZ?3103=000123&17=201225",
    ] {
        check(&parse(url).unwrap());
    }
    let plain = parse("https://id.gs1.org/01/09506000134352").unwrap();
    assert_eq!(plain.batch, None);
    for (url, error) in [
        ("https://id.gs1.org/02/09506000134352", Gs1Error::NotGs1),
        ("https://id.gs1.org/01/09506000134353", Gs1Error::CheckDigit),
        (
            "https://id.gs1.org/01/09506000134352/21/X/10/Y",
            Gs1Error::Syntax,
        ),
        ("https://id.gs1.org/01/09506000134352/10", Gs1Error::Syntax),
        (
            "https://id.gs1.org/01/09506000134352/99/X",
            Gs1Error::Syntax,
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A%2",
            Gs1Error::Syntax,
        ),
        (
            "https://id.gs1.org/01/09506000134352/10/A%20B",
            Gs1Error::Value { ai: "10" },
        ),
        (
            "https://id.gs1.org/01/09506000134352?10=A",
            Gs1Error::Syntax,
        ),
        (
            "https://id.gs1.org/01/09506000134352?17=201225&17=201225",
            Gs1Error::Duplicate { ai: "17" },
        ),
        (
            "https://id.gs1.org/01/09506000134352?17=201299",
            Gs1Error::Value { ai: "17" },
        ),
        ("/01/09506000134352", Gs1Error::NotGs1),
    ] {
        assert_eq!(parse(url), Err(error), "{url}");
    }
}

#[test]
fn bare_gtins_and_non_gs1() {
    assert_eq!(
        parse("4006381333931").unwrap().gtin.as_str(),
        "04006381333931"
    );
    assert_eq!(parse("4006381333932"), Err(Gs1Error::CheckDigit));
    for text in ["", "hello", "RMA1732617672C6", "1Z999AA10123456784"] {
        assert_eq!(parse(text), Err(Gs1Error::NotGs1), "{text}");
    }
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in ".{0,60}") {
        let _ = parse(&text);
    }

    #[test]
    fn gs1_shaped_text_never_panics(text in "(\\]d2|\\(|01|https://x/01/)[0-9A-Z()/%?=&\\x1d]{0,40}") {
        let _ = parse(&text);
    }
}
