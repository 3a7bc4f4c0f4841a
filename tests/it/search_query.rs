//! Parsing `/search` parameters: typed values, clear errors, and a URL that round-trips.

use threadr::features::catalogue::search::query::{MAX_PAGE, QueryError, Word, words};
use threadr::features::catalogue::search::{Condition, SearchQuery, Sort};

fn parse(s: &str) -> Result<SearchQuery, QueryError> {
    SearchQuery::parse_query_string(s)
}

#[test]
fn every_parameter_parses_into_its_type() {
    let q = parse("?q=red+shoes&category=shoes&min_price=12.5&max_price=80&condition=new,like_new&in_stock=1&min_rating=4.5&sort=price_asc&page=3&utm_source=x").unwrap();
    assert_eq!(q.q, "red shoes");
    assert_eq!(q.category.as_deref(), Some("shoes"));
    assert_eq!(q.min_price_cents, Some(1250));
    assert_eq!(q.max_price_cents, Some(8000));
    assert_eq!(q.conditions, [Condition::New, Condition::LikeNew]);
    assert!(q.in_stock);
    assert_eq!(q.min_rating_tenths, Some(45));
    assert_eq!(q.sort, Sort::PriceAsc);
    assert_eq!(q.page, 3);
    assert_eq!(q.offset(), 48);
}

#[test]
fn empty_values_are_absent_and_defaults_apply() {
    let q = parse("q=&category=&min_price=&condition=&sort=&page=").unwrap();
    assert_eq!(q, SearchQuery { page: 1, ..SearchQuery::default() });
    assert_eq!(q.to_query_string(), "");
    assert_eq!(q.effective_sort(), Sort::Newest);
}

#[test]
fn the_url_round_trips() {
    for s in [
        "q=caf%C3%A9+au+lait&category=kitchen&min_price=0.99&max_price=1000000&condition=like_new,fair&in_stock=1&min_rating=4&sort=newest&page=2",
        "q=leather+jack",
        "q=leather+jacket+",
        "q=50%25+off%26more",
        "category=books&sort=price_desc",
    ] {
        let q = parse(s).unwrap();
        assert_eq!(q.to_query_string(), s);
        assert_eq!(parse(&q.to_query_string()).unwrap(), q);
    }
    let q = parse("condition=fair&condition=new,fair").unwrap();
    assert_eq!(q.conditions, [Condition::New, Condition::Fair]);
    assert_eq!(q.with_page(7).to_query_string(), "condition=new,fair&page=7");
}

#[test]
fn bad_values_say_what_is_wrong() {
    let cases: &[(&str, QueryError)] = &[
        ("min_price=abc", QueryError::Price { field: "the lowest price", value: "abc".into() }),
        ("max_price=1.234", QueryError::Price { field: "the highest price", value: "1.234".into() }),
        ("min_price=-5", QueryError::Price { field: "the lowest price", value: "-5".into() }),
        ("max_price=1000000.01", QueryError::Price { field: "the highest price", value: "1000000.01".into() }),
        ("min_price=50&max_price=10", QueryError::PriceRange),
        ("condition=mint", QueryError::Condition("mint".into())),
        ("in_stock=maybe", QueryError::InStock("maybe".into())),
        ("min_rating=6", QueryError::Rating("6".into())),
        ("min_rating=4.25", QueryError::Rating("4.25".into())),
        ("min_rating=0.5", QueryError::Rating("0.5".into())),
        ("sort=cheapest", QueryError::Sort("cheapest".into())),
        ("page=0", QueryError::Page("0".into())),
        ("page=101", QueryError::Page("101".into())),
        ("page=two", QueryError::Page("two".into())),
        ("category=Shoes", QueryError::Category("Shoes".into())),
        ("category=a--b", QueryError::Category("a--b".into())),
    ];
    for (s, want) in cases {
        assert_eq!(parse(s).as_ref(), Err(want), "{s}");
        assert!(!want.to_string().is_empty());
    }
    assert_eq!(parse(&format!("q={}", "a".repeat(201))), Err(QueryError::TooLong));
    assert!(parse(&format!("q={}", "a".repeat(200))).is_ok());
    assert_eq!(parse(&format!("q={}", "ab+".repeat(13))), Err(QueryError::TooManyWords));
    assert_eq!(MAX_PAGE, 100);
    assert_eq!(
        QueryError::Price { field: "the lowest price", value: "abc".into() }.to_string(),
        "“abc” is not a price for the lowest price: write an amount such as 12 or 12.50."
    );
}

#[test]
fn words_fold_and_the_last_is_a_prefix_until_a_space() {
    let w = words("Crème  BRÛLÉE, jack");
    let texts: Vec<&str> = w.iter().map(|w| w.text.as_str()).collect();
    assert_eq!(texts, ["creme", "brulee", "jack"]);
    assert_eq!(w[0].original, "crème");
    assert_eq!(w.iter().map(|w| w.prefix).collect::<Vec<_>>(), [false, false, true]);
    assert!(!words("jack ").last().unwrap().prefix);
    assert!(!words("jack,").last().unwrap().prefix);
    assert_eq!(words("Straße Søren Æsir"), {
        let mk = |t: &str, o: &str, p: bool, d: u8| Word { text: t.into(), original: o.into(), prefix: p, distance: d };
        vec![mk("strasse", "straße", false, 1), mk("soren", "søren", false, 1), mk("aesir", "æsir", true, 1)]
    });
    assert!(words("  ...  ").is_empty());
    assert_eq!(words("日本 t-shirt").iter().map(|w| w.text.as_str()).collect::<Vec<_>>(), ["日本", "t", "shirt"]);
}

#[test]
fn typo_allowance_grows_with_the_word() {
    let d = |s: &str| words(s)[0].distance;
    assert_eq!(d("cat "), 0);
    assert_eq!(d("boot "), 1);
    assert_eq!(d("leather "), 1);
    assert_eq!(d("keyboard "), 2);
    assert_eq!(d("photography "), 2);
}
