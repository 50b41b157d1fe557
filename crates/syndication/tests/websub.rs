//! WebSub subscriber: requests, hub answers, verification of intent, signatures, renewal.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hmac::{Hmac, Mac};
use syndication::fetch::{Canned, Method};
use syndication::websub::{
    answer_challenge, check_signature, renew_at, subscribe, subscription_request, unsubscribe,
    unsubscription_request, Challenge, Mode, WebSubError, MAX_HUB_TEXT_CHARS,
};

const HUB: &str = "https://hub.example/";
const TOPIC: &str = "https://blog.example/feed.xml";
const CALLBACK: &str = "https://commons.example/websub/42";

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn subscription_request_has_the_form_fields() {
    let request = subscription_request(HUB, TOPIC, CALLBACK, "s3cret", Some(86_400));
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, HUB);
    assert_eq!(
        request.form,
        pairs(&[
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.callback", CALLBACK),
            ("hub.secret", "s3cret"),
            ("hub.lease_seconds", "86400"),
        ])
    );
    let without_lease = subscription_request(HUB, TOPIC, CALLBACK, "s3cret", None);
    assert!(!without_lease
        .form
        .iter()
        .any(|(n, _)| n == "hub.lease_seconds"));
}

#[test]
fn unsubscription_request_has_the_form_fields() {
    let request = unsubscription_request(HUB, TOPIC, CALLBACK);
    assert_eq!(request.method, Method::Post);
    assert_eq!(request.url, HUB);
    assert_eq!(
        request.form,
        pairs(&[
            ("hub.mode", "unsubscribe"),
            ("hub.topic", TOPIC),
            ("hub.callback", CALLBACK),
        ])
    );
}

#[tokio::test]
async fn subscribe_accepted() {
    let fetch = Canned::default().with(HUB, 202, &[], "");
    subscribe(&fetch, HUB, TOPIC, CALLBACK, "s3cret", Some(3600))
        .await
        .unwrap();
    let asked = fetch.asked();
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0],
        subscription_request(HUB, TOPIC, CALLBACK, "s3cret", Some(3600))
    );
}

#[tokio::test]
async fn subscribe_refused_names_status_and_truncated_text() {
    let long = format!("topic not allowed\n{}", "x".repeat(5_000));
    let fetch = Canned::default().with(HUB, 400, &[], long);
    let err = subscribe(&fetch, HUB, TOPIC, CALLBACK, "s3cret", None)
        .await
        .unwrap_err();
    match &err {
        WebSubError::Refused { hub, status, text } => {
            assert_eq!(hub, HUB);
            assert_eq!(*status, 400);
            assert!(text.starts_with("topic not allowed x"), "{text}");
            assert!(text.chars().count() <= MAX_HUB_TEXT_CHARS);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(err.to_string().contains("400"));
}

#[tokio::test]
async fn subscribe_other_success_statuses_are_errors() {
    for status in [200, 204, 301, 500] {
        let fetch = Canned::default().with(HUB, status, &[], "");
        let err = subscribe(&fetch, HUB, TOPIC, CALLBACK, "s3cret", None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, WebSubError::Refused { status: s, .. } if s == status),
            "{status}: {err:?}"
        );
    }
}

#[tokio::test]
async fn subscribe_network_failure_and_bad_secret() {
    let fetch = Canned::default();
    let err = subscribe(&fetch, HUB, TOPIC, CALLBACK, "s3cret", None)
        .await
        .unwrap_err();
    assert!(matches!(err, WebSubError::Fetch { .. }), "{err:?}");

    for secret in [String::new(), "k".repeat(200)] {
        let err = subscribe(&fetch, HUB, TOPIC, CALLBACK, &secret, None)
            .await
            .unwrap_err();
        assert!(matches!(err, WebSubError::BadSecret { .. }), "{err:?}");
    }
    // Refused before asking the hub.
    assert_eq!(fetch.asked().len(), 1);
}

#[tokio::test]
async fn unsubscribe_accepted() {
    let fetch = Canned::default().with(HUB, 202, &[], "");
    unsubscribe(&fetch, HUB, TOPIC, CALLBACK).await.unwrap();
    assert_eq!(fetch.asked()[0].form[0].1, "unsubscribe");
}

#[test]
fn challenge_answered() {
    let query = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.topic", TOPIC),
        ("hub.challenge", "abc123"),
        ("hub.lease_seconds", "864000"),
    ]);
    assert_eq!(
        answer_challenge(&query, TOPIC, Mode::Subscribe).unwrap(),
        Challenge {
            challenge: "abc123".to_owned(),
            lease_seconds: Some(864_000),
        }
    );
    let query = pairs(&[
        ("hub.mode", "unsubscribe"),
        ("hub.topic", TOPIC),
        ("hub.challenge", "xyz"),
    ]);
    assert_eq!(
        answer_challenge(&query, TOPIC, Mode::Unsubscribe).unwrap(),
        Challenge {
            challenge: "xyz".to_owned(),
            lease_seconds: None,
        }
    );
}

#[test]
fn challenge_wrong_topic() {
    let query = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.topic", "https://evil.example/feed"),
        ("hub.challenge", "abc"),
        ("hub.lease_seconds", "60"),
    ]);
    let err = answer_challenge(&query, TOPIC, Mode::Subscribe).unwrap_err();
    assert!(matches!(err, WebSubError::WrongTopic { .. }), "{err:?}");
}

#[test]
fn challenge_wrong_mode() {
    let query = pairs(&[
        ("hub.mode", "unsubscribe"),
        ("hub.topic", TOPIC),
        ("hub.challenge", "abc"),
    ]);
    let err = answer_challenge(&query, TOPIC, Mode::Subscribe).unwrap_err();
    assert!(matches!(err, WebSubError::WrongMode { .. }), "{err:?}");
    let query = pairs(&[
        ("hub.mode", "publish"),
        ("hub.topic", TOPIC),
        ("hub.challenge", "abc"),
    ]);
    let err = answer_challenge(&query, TOPIC, Mode::Unsubscribe).unwrap_err();
    assert!(matches!(err, WebSubError::WrongMode { .. }), "{err:?}");
}

#[test]
fn challenge_denied() {
    let query = pairs(&[
        ("hub.mode", "denied"),
        ("hub.topic", TOPIC),
        ("hub.reason", "not on the allow list"),
    ]);
    let err = answer_challenge(&query, TOPIC, Mode::Subscribe).unwrap_err();
    assert_eq!(
        err,
        WebSubError::Denied {
            topic: TOPIC.to_owned(),
            reason: "not on the allow list".to_owned(),
        }
    );
}

#[test]
fn challenge_missing_or_bad_parameters() {
    let cases: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("hub.topic", TOPIC), ("hub.challenge", "a")],
        vec![("hub.mode", "subscribe"), ("hub.challenge", "a")],
        // No challenge.
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.lease_seconds", "60"),
        ],
        // Empty challenge.
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.challenge", ""),
            ("hub.lease_seconds", "60"),
        ],
        // No lease for a subscription.
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.challenge", "a"),
        ],
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.challenge", "a"),
            ("hub.lease_seconds", "+60"),
        ],
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.challenge", "a"),
            ("hub.lease_seconds", "-1"),
        ],
        vec![
            ("hub.mode", "subscribe"),
            ("hub.topic", TOPIC),
            ("hub.challenge", "a"),
            ("hub.lease_seconds", "99999999999999999999999"),
        ],
    ];
    for case in cases {
        let err = answer_challenge(&pairs(&case), TOPIC, Mode::Subscribe).unwrap_err();
        assert!(
            matches!(err, WebSubError::BadVerification(_)),
            "{case:?}: {err:?}"
        );
    }
    let huge = "c".repeat(10_000);
    let query = pairs(&[
        ("hub.mode", "subscribe"),
        ("hub.topic", TOPIC),
        ("hub.challenge", &huge),
        ("hub.lease_seconds", "60"),
    ]);
    assert!(answer_challenge(&query, TOPIC, Mode::Subscribe).is_err());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sign<M: Mac + hmac::digest::KeyInit>(secret: &[u8], body: &[u8]) -> String {
    let mut mac = <M as hmac::digest::KeyInit>::new_from_slice(secret).unwrap();
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

const SECRET: &[u8] = b"secret";
const BODY: &[u8] = b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title></feed>";

#[test]
fn signature_each_algorithm() {
    let headers = [
        format!("sha1={}", sign::<Hmac<sha1::Sha1>>(SECRET, BODY)),
        format!("sha256={}", sign::<Hmac<sha2::Sha256>>(SECRET, BODY)),
        format!("sha384={}", sign::<Hmac<sha2::Sha384>>(SECRET, BODY)),
        format!("sha512={}", sign::<Hmac<sha2::Sha512>>(SECRET, BODY)),
    ];
    for header in &headers {
        check_signature(Some(header), SECRET, BODY).unwrap();
        // Upper-case hex is the same signature.
        check_signature(Some(&header.to_ascii_uppercase()), SECRET, BODY).unwrap();
        // A tampered body is rejected.
        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            check_signature(Some(header), SECRET, &tampered),
            Err(WebSubError::BadSignature)
        );
        // Another secret is rejected.
        assert_eq!(
            check_signature(Some(header), b"other", BODY),
            Err(WebSubError::BadSignature)
        );
    }
}

#[test]
fn signature_known_answer() {
    // printf 'hello world' | openssl dgst -sha256 -hmac secret
    let header = "sha256=734cc62f32841568f45715aeb9f4d7891324e6d948e4c6c60c0621cdac48623a";
    check_signature(Some(header), b"secret", b"hello world").unwrap();
    // printf 'hello world' | openssl dgst -sha1 -hmac secret
    let header = "sha1=03376ee7ad7bbfceee98660439a4d8b125122a5a";
    check_signature(Some(header), b"secret", b"hello world").unwrap();
    assert_eq!(
        check_signature(Some(header), b"secret", b"hello world!"),
        Err(WebSubError::BadSignature)
    );
}

#[test]
fn signature_missing_header_rejected() {
    assert_eq!(
        check_signature(None, SECRET, BODY),
        Err(WebSubError::MissingSignature)
    );
    // No secret: nothing to check.
    check_signature(None, b"", BODY).unwrap();
}

#[test]
fn signature_malformed_header_rejected() {
    let good = sign::<Hmac<sha2::Sha256>>(SECRET, BODY);
    let long = format!("sha256={}", "a".repeat(10_000));
    let cases = [
        String::new(),
        "sha256".to_owned(),
        good.clone(),
        format!("md5={good}"),
        format!("sha256={}", &good[1..]),
        format!("sha256={}zz", &good[2..]),
        "sha256=".to_owned(),
        format!("sha256=é{}", &good[2..]),
        long,
    ];
    for header in &cases {
        let err = check_signature(Some(header), SECRET, BODY).unwrap_err();
        assert!(
            matches!(err, WebSubError::MalformedSignature(_)),
            "{header:?}: {err:?}"
        );
    }
    // Well-formed but truncated to another length: a wrong signature.
    assert_eq!(
        check_signature(Some(&format!("sha256={}", &good[..40])), SECRET, BODY),
        Err(WebSubError::BadSignature)
    );
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

#[test]
fn renew_at_edges() {
    let t = at(0);
    // Ten days: 90% (9 days) is earlier than an hour before the end.
    assert_eq!(renew_at(t, 864_000), t + Duration::seconds(777_600));
    // Five hours: 90% is 4.5 h, an hour before the end is 4 h; the earlier wins.
    assert_eq!(renew_at(t, 18_000), t + Duration::seconds(14_400));
    // Ten hours: both give nine hours.
    assert_eq!(renew_at(t, 36_000), t + Duration::seconds(32_400));
    // An hour or less: renew at once.
    assert_eq!(renew_at(t, 3_600), t);
    assert_eq!(renew_at(t, 60), t);
    assert_eq!(renew_at(t, 0), t);
    // Absurd leases do not overflow, and still lie in the future.
    assert!(renew_at(t, u64::MAX) > t + Duration::days(365));
    assert!(renew_at(t, i64::MAX as u64) > t);
}
