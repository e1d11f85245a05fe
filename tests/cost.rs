//! The cost client against an imitation of the Anthropic Admin API on
//! loopback: pagination, every error kind, caching and single-flight, exact
//! sums, and the key never leaking.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use attune_ops::cost::{AdminKey, CostClient, CostErrorKind};
use attune_ops_test_support::http::{Answer, Imitation};
use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

const KEY: &str = "sk-ant-admin01-TOPSECRET-KEY-VALUE";

fn ok(v: Value) -> Answer {
    Answer::json(200, v.to_string())
}

/// The imitation: checks the key, then answers by the `page` query
/// parameter (absent = "first"); the answers can change mid-test.
struct Fake {
    api: Imitation,
    answers: Arc<Mutex<HashMap<String, Answer>>>,
}

impl Fake {
    fn url(&self) -> &str {
        self.api.url()
    }
    fn requests(&self) -> usize {
        self.api.requests()
    }
    /// The request line of the `i`th request.
    fn request_line(&self, i: usize) -> String {
        let r = &self.api.seen()[i];
        format!("{} {}", r.method, r.target)
    }
}

fn fake(answers: Vec<(&str, Answer)>) -> Fake {
    let answers = Arc::new(Mutex::new(answers.into_iter().map(|(k, v)| (k.to_string(), v)).collect::<HashMap<_, _>>()));
    let a = answers.clone();
    let api = Imitation::start(move |req| {
        if req.header("x-api-key") != Some(KEY) {
            return Answer::json(401, r#"{"error":{"type":"authentication_error"}}"#);
        }
        let page = req.query("page").unwrap_or("first");
        a.lock().unwrap().get(page).cloned().unwrap_or_else(|| Answer::json(404, "{}"))
    });
    Fake { api, answers }
}

/// A client without the limit on forced refreshes (tested on its own).
fn client(url: &str, key: Option<&'static str>) -> CostClient {
    CostClient::with(url, Box::new(move || key.map(AdminKey::new)), Duration::from_secs(900))
        .with_timeout(Duration::from_millis(800))
        .with_min_refresh(Duration::ZERO)
}

fn bucket(day: &str, rows: Value) -> Value {
    json!({"starting_at": format!("{day}T00:00:00Z"), "ending_at": "x", "results": rows})
}

/// "Now": 2026-08-02 12:00 UTC (so the window crosses a month boundary).
fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 8, 2, 12, 0, 0).unwrap()
}

#[tokio::test]
async fn follows_every_page_and_sums_exactly() {
    let f = fake(vec![
        (
            "first",
            ok(
                json!({"data": [bucket("2026-07-04", json!([{"amount": "1000.123456789", "model": "claude-opus-4-1", "cost_type": "tokens"}]))], "has_more": true, "next_page": "p2"}),
            ),
        ),
        (
            "p2",
            ok(
                json!({"data": [bucket("2026-07-31", json!([{"amount": "250.5", "model": "claude-sonnet-4-5", "cost_type": "tokens"}, {"amount": "0.0000001", "model": "claude-sonnet-4-5", "cost_type": "web_search"}]))], "has_more": true, "next_page": "p3"}),
            ),
        ),
        (
            "p3",
            ok(
                json!({"data": [bucket("2026-08-01", json!([{"amount": "99.99", "model": "claude-haiku-4-5", "cost_type": "tokens"}])), bucket("2026-08-02", json!([{"amount": "0.01", "model": "claude-haiku-4-5", "cost_type": "code_execution"}]))], "has_more": false, "next_page": null}),
            ),
        ),
    ]);
    let c = client(f.url(), Some(KEY));
    let r = c.fetch_summary_at(false, now()).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    let s = r.summary.unwrap();
    assert_eq!(f.requests(), 3);
    assert_eq!(s.today_usd, 0.0); // 0.01 cents
    assert_eq!(s.seven_day_usd, 3.51); // 250.5 + 99.99 + 0.01 cents (+ a dust amount)
    assert_eq!(s.month_to_date_usd, 1.0); // 99.99 + 0.01 cents
    assert_eq!(s.thirty_day_usd, 13.51); // 07-04 is exactly 08-02 − 29 days: the first day of the window
    let opus = s.by_model.iter().find(|m| m.0 == "claude-opus-4-1").unwrap().1;
    assert_eq!(opus, 10.00123456789);
    let sonnet = s.by_model.iter().find(|m| m.0 == "claude-sonnet-4-5").unwrap().1;
    assert_eq!(sonnet, 2.505000001);
    assert_eq!(s.by_day.first().unwrap().0, "2026-07-04");
    assert_eq!(s.by_cost_type[0].0, "tokens");
    assert_eq!(s.source, "live");
    // The request: from min(today − 29, first of month), daily, by description.
    assert_eq!(
        f.request_line(0),
        "GET /v1/organizations/cost_report?starting_at=2026-07-04T00%3A00%3A00Z&ending_at=2026-08-03T00%3A00%3A00Z&bucket_width=1d&group_by%5B%5D=description&limit=31"
    );
    assert_eq!(f.api.seen()[0].header("anthropic-version"), Some("2023-06-01"));
    assert!(f.request_line(1).contains("page=p2"));
    // Cached: no new request, marked so.
    let again = c.fetch_summary_at(false, now()).await.summary.unwrap();
    assert_eq!(again.source, "cached");
    assert_eq!(f.requests(), 3);
}

#[tokio::test]
async fn concurrent_callers_share_one_upstream_fetch() {
    let slow =
        ok(json!({"data": [bucket("2026-08-02", json!([{"amount": "100", "model": "m", "cost_type": "tokens"}]))], "has_more": false}))
            .after(Duration::from_millis(300));
    let f = fake(vec![("first", slow)]);
    let c = Arc::new(client(f.url(), Some(KEY)));
    let tabs: Vec<_> = (0..10)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.fetch_summary_at(i % 2 == 0, now()).await })
        })
        .collect();
    for t in tabs {
        let r = t.await.unwrap();
        assert_eq!(r.summary.unwrap().today_usd, 1.0);
    }
    assert_eq!(f.requests(), 1, "ten tabs, one upstream request");
    // An explicit refresh afterwards does fetch again.
    c.fetch_summary_at(true, now()).await;
    assert_eq!(f.requests(), 2);
    c.clear_cache();
    c.fetch_summary_at(false, now()).await;
    assert_eq!(f.requests(), 3);
}

#[tokio::test]
async fn every_error_kind_with_a_message_and_never_the_key() {
    let cases: Vec<(Answer, CostErrorKind, &str)> = vec![
        (Answer::json(403, "{}"), CostErrorKind::AuthFailed, "rejected the admin key"),
        (Answer::json(429, "{}").header("retry-after", "7"), CostErrorKind::RateLimited, "in 7 s"),
        (Answer::json(500, "oops"), CostErrorKind::Network, "HTTP 500"),
        (Answer::json(418, "{}"), CostErrorKind::Unknown, "HTTP 418"),
        (Answer::json(200, "<html>not json"), CostErrorKind::Unknown, "non-JSON"),
        (Answer::json(200, "[1,2]"), CostErrorKind::Unknown, "unexpected payload"),
        (Answer::json(200, "{}").after(Duration::from_secs(3)), CostErrorKind::Network, "timed out"),
    ];
    for (ans, kind, text) in cases {
        let f = fake(vec![("first", ans)]);
        let c = client(f.url(), Some(KEY));
        let r = c.fetch_summary_at(false, now()).await;
        let e = r.error.expect("an error");
        assert_eq!(e.kind, kind, "{}", e.message);
        assert!(e.message.contains(text), "{}", e.message);
        assert!(!e.message.contains(KEY));
        assert!(!format!("{e:?}").contains(KEY));
        assert!(r.summary.is_none());
    }
    // A wrong key (the imitation checks it) and no key at all.
    let f = fake(vec![]);
    let r = CostClient::with(f.url(), Box::new(|| Some(AdminKey::new("sk-ant-admin01-WRONG"))), Duration::from_secs(1))
        .fetch_summary_at(false, now())
        .await;
    assert_eq!(r.error.unwrap().kind, CostErrorKind::AuthFailed);
    let r = client(f.url(), None).fetch_summary_at(false, now()).await;
    assert_eq!(r.error.unwrap().kind, CostErrorKind::NoKey);
    // Nothing listening: a network error.
    let r = client("http://127.0.0.1:9", Some(KEY)).fetch_summary_at(false, now()).await;
    assert_eq!(r.error.unwrap().kind, CostErrorKind::Network);
}

#[tokio::test]
async fn rate_limit_is_respected_and_old_data_stays_visible() {
    let f =
        fake(vec![("first", ok(json!({"data": [bucket("2026-08-02", json!([{"amount": "500", "model": "m", "cost_type": "tokens"}]))]})))]);
    let c = client(f.url(), Some(KEY));
    assert_eq!(c.fetch_summary_at(false, now()).await.summary.unwrap().today_usd, 5.0);
    // Now the API answers 429.
    f.answers.lock().unwrap().insert("first".into(), Answer::json(429, "{}").header("retry-after", "30"));
    let r = c.fetch_summary_at(true, now()).await;
    let e = r.error.unwrap();
    assert_eq!(e.kind, CostErrorKind::RateLimited);
    assert_eq!(e.retry_after_seconds, Some(30));
    let s = r.summary.expect("the last good summary");
    assert!(s.stale);
    assert_eq!(s.today_usd, 5.0);
    let before = f.requests();
    // Within retry-after: no upstream call at all.
    let r = c.fetch_summary_at(true, now()).await;
    assert_eq!(r.error.unwrap().kind, CostErrorKind::RateLimited);
    assert_eq!(f.requests(), before);
}

#[tokio::test]
async fn empty_data_and_odd_rows() {
    let f = fake(vec![("first", ok(json!({"data": [], "has_more": false})))]);
    let s = client(f.url(), Some(KEY)).fetch_summary_at(false, now()).await.summary.unwrap();
    assert_eq!((s.today_usd, s.seven_day_usd, s.month_to_date_usd, s.thirty_day_usd), (0.0, 0.0, 0.0, 0.0));
    assert!(s.by_model.is_empty());
    let f = fake(vec![(
        "first",
        ok(
            json!({"data": [bucket("2026-08-02", json!([{"amount": null}, {"amount": "x"}, {"amount": "1e2", "model": "", "cost_type": null}])), {"starting_at": "garbage"}]}),
        ),
    )]);
    let s = client(f.url(), Some(KEY)).fetch_summary_at(false, now()).await.summary.unwrap();
    assert_eq!(s.today_usd, 1.0);
    assert_eq!(s.by_model, vec![("(none)".to_string(), 1.0)]);
    assert_eq!(s.bad_amounts, 1);
    assert_eq!(s.bad_buckets, 1);
}

/// Twenty forced refreshes in a row (any page can make a browser send
/// them) cost one upstream fetch: the others are answered from the cache
/// and say when a live refresh is possible. After the interval, a forced
/// refresh goes upstream again.
#[tokio::test]
async fn forced_refreshes_go_upstream_at_most_once_per_interval() {
    let f = fake(vec![(
        "first",
        ok(json!({"data": [bucket("2026-08-02", json!([{"amount": "250", "model": "m", "cost_type": "tokens"}]))], "has_more": false})),
    )]);
    let c = CostClient::with(f.url(), Box::new(|| Some(AdminKey::new(KEY))), Duration::from_secs(900))
        .with_min_refresh(Duration::from_millis(600));
    assert_eq!(attune_ops::cost::MIN_REFRESH_INTERVAL, Duration::from_secs(30));
    let first = c.fetch_summary_at(true, now()).await.summary.unwrap();
    assert_eq!((first.source.as_str(), first.refresh_in_seconds), ("live", None));
    for _ in 0..19 {
        let r = c.fetch_summary_at(true, now()).await;
        let s = r.summary.unwrap();
        assert_eq!(s.source, "cached");
        assert_eq!(s.today_usd, 2.5);
        assert_eq!(s.refresh_in_seconds, Some(1));
        assert!(r.error.is_none());
    }
    assert_eq!(f.requests(), 1, "twenty forced refreshes, one upstream fetch");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let again = c.fetch_summary_at(true, now()).await.summary.unwrap();
    assert_eq!((again.source.as_str(), again.refresh_in_seconds), ("live", None));
    assert_eq!(f.requests(), 2);
    // A failed fetch counts too: its failure is what the next forced
    // refresh gets, over the older data.
    f.answers.lock().unwrap().insert("first".into(), Answer::json(500, "{}"));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(c.fetch_summary_at(true, now()).await.error.is_some());
    let r = c.fetch_summary_at(true, now()).await;
    assert!(r.error.is_some());
    let s = r.summary.unwrap();
    assert!(s.stale && s.refresh_in_seconds.is_some());
    assert_eq!(f.requests(), 3);
}

#[tokio::test]
async fn tabs_waiting_on_a_failing_fetch_share_its_failure() {
    // A slow 500: ten tabs refreshing at once must not queue ten slow
    // upstream sequences behind one another.
    let f = fake(vec![("first", Answer::json(500, "{}").after(Duration::from_millis(300)))]);
    let c = Arc::new(client(f.url(), Some(KEY)));
    let started = std::time::Instant::now();
    let tabs: Vec<_> = (0..10)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.fetch_summary_at(true, now()).await })
        })
        .collect();
    for t in tabs {
        assert_eq!(t.await.unwrap().error.unwrap().kind, CostErrorKind::Network);
    }
    assert_eq!(f.requests(), 1);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_key_never_follows_a_redirect_to_another_origin() {
    let page = json!({"data": [bucket("2026-08-02", json!([{"amount": "100", "model": "m", "cost_type": "tokens"}]))], "has_more": false});
    // Another origin (another port), which would happily answer.
    let elsewhere = {
        let page = page.clone();
        Imitation::start(move |_| Answer::json(200, page.to_string()))
    };
    for status in [301, 302, 307, 308] {
        let target = format!("{}/v1/organizations/cost_report", elsewhere.url());
        let api = Imitation::start(move |_| Answer::json(status, "{}").header("location", &target));
        let r = client(api.url(), Some(KEY)).fetch_summary_at(false, now()).await;
        let e = r.error.expect("a redirect elsewhere is an error");
        assert_eq!(e.kind, CostErrorKind::Unknown);
        assert!(e.message.contains("redirect to another origin") && !e.message.contains(KEY), "{}", e.message);
        assert_eq!(api.requests(), 1);
    }
    assert_eq!(elsewhere.requests(), 0, "the other origin was never asked, so never saw the key");
    // Within the same origin a redirect is followed (with the key).
    let same = Imitation::start(move |req| match req.path() {
        "/moved/v1/organizations/cost_report" if req.header("x-api-key") == Some(KEY) => Answer::json(200, page.to_string()),
        "/v1/organizations/cost_report" => {
            let target = format!("/moved{}", req.target);
            Answer::json(307, "{}").header("location", &target)
        }
        _ => Answer::json(404, "{}"),
    });
    let r = client(same.url(), Some(KEY)).fetch_summary_at(false, now()).await;
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.summary.unwrap().today_usd, 1.0);
    assert_eq!(same.requests(), 2);
}
