//! The 23 endpoint discovery cases of the webmention.rocks test suite (https://webmention.rocks/),
//! reproduced as canned pages: each test serves the page the suite serves (its headers and the
//! markup that matters) and checks the endpoint a sender must find. The descriptions are the
//! suite's own titles. Redirects (test 23) are modelled the way the fetcher reports them: the
//! response carries the final URL.

use syndication::fetch::{Canned, Response};
use syndication::webmention::discover_endpoint;

const SITE: &str = "https://webmention.rocks";

fn page(n: u32) -> String {
    format!("{SITE}/test/{n}")
}

/// A page with `headers` and `body` at test `n`'s URL; returns the discovered endpoint.
async fn endpoint_of(n: u32, headers: &[(&str, &str)], body: &str) -> Option<String> {
    let fetch = Canned::default().with(&page(n), 200, headers, body);
    match discover_endpoint(&fetch, &page(n)).await {
        Ok(endpoint) => endpoint,
        Err(e) => panic!("test {n}: discovery failed: {e}"),
    }
}

fn html(body: &str) -> String {
    format!("<!doctype html><html><head><title>test</title></head><body><div class=\"h-entry\">{body}</div></body></html>")
}

fn html_head(head: &str, body: &str) -> String {
    format!("<!doctype html><html><head><title>test</title>{head}</head><body>{body}</body></html>")
}

#[tokio::test]
async fn test_1_http_link_header_unquoted_rel_relative_url() {
    let found = endpoint_of(
        1,
        &[("Link", "</test/1/webmention?head=true>; rel=webmention")],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/1/webmention?head=true")
    );
}

#[tokio::test]
async fn test_2_http_link_header_unquoted_rel_absolute_url() {
    let found = endpoint_of(
        2,
        &[(
            "Link",
            "<https://webmention.rocks/test/2/webmention?head=true>; rel=webmention",
        )],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/2/webmention?head=true")
    );
}

#[tokio::test]
async fn test_3_html_link_tag_relative_url() {
    let found = endpoint_of(
        3,
        &[],
        &html_head(r#"<link rel="webmention" href="/test/3/webmention">"#, ""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/3/webmention")
    );
}

#[tokio::test]
async fn test_4_html_link_tag_absolute_url() {
    let found = endpoint_of(
        4,
        &[],
        &html_head(
            r#"<link rel="webmention" href="https://webmention.rocks/test/4/webmention">"#,
            "",
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/4/webmention")
    );
}

#[tokio::test]
async fn test_5_html_a_tag_relative_url() {
    let found = endpoint_of(5, &[], &html(r#"This post has its <a href="/test/5/webmention" rel="webmention">Webmention endpoint</a> in an a tag."#)).await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/5/webmention")
    );
}

#[tokio::test]
async fn test_6_html_a_tag_absolute_url() {
    let found = endpoint_of(
        6,
        &[],
        &html(
            r#"<a href="https://webmention.rocks/test/6/webmention" rel="webmention">endpoint</a>"#,
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/6/webmention")
    );
}

#[tokio::test]
async fn test_7_http_link_header_with_strange_casing() {
    // The suite sends `LinK:`; header names are case-insensitive, and the fetcher lower-cases them.
    let found = endpoint_of(
        7,
        &[(
            "LinK",
            "<https://webmention.rocks/test/7/webmention?head=true>; rel=webmention",
        )],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/7/webmention?head=true")
    );
}

#[tokio::test]
async fn test_8_http_link_header_quoted_rel() {
    let found = endpoint_of(
        8,
        &[(
            "Link",
            r#"<https://webmention.rocks/test/8/webmention?head=true>; rel="webmention""#,
        )],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/8/webmention?head=true")
    );
}

#[tokio::test]
async fn test_9_multiple_rel_values_on_a_link_tag() {
    let found = endpoint_of(
        9,
        &[],
        &html_head(
            r#"<link rel="webmention somethingelse" href="/test/9/webmention">"#,
            "",
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/9/webmention")
    );
}

#[tokio::test]
async fn test_10_multiple_rel_values_on_a_link_header() {
    let found = endpoint_of(
        10,
        &[(
            "Link",
            r#"</test/10/webmention?head=true>; rel="webmention somethingelse""#,
        )],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/10/webmention?head=true")
    );
}

#[tokio::test]
async fn test_11_multiple_endpoints_advertised_link_header_link_tag_a_tag() {
    let found = endpoint_of(
        11,
        &[("Link", "</test/11/webmention?head=true>; rel=webmention")],
        &html_head(
            r#"<link rel="webmention" href="/test/11/webmention/error">"#,
            r#"<a rel="webmention" href="/test/11/webmention/error">wrong</a>"#,
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/11/webmention?head=true")
    );
}

#[tokio::test]
async fn test_12_checking_for_exact_match_of_rel_webmention() {
    let found = endpoint_of(
        12,
        &[],
        &html_head(
            r#"<link rel="not-webmention" href="/test/12/webmention/error"><link rel="webmention" href="/test/12/webmention">"#,
            "",
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/12/webmention")
    );
}

#[tokio::test]
async fn test_13_false_endpoint_inside_an_html_comment() {
    let found = endpoint_of(
        13,
        &[],
        &html(r#"<!-- <a href="/test/13/webmention/error" rel="webmention"></a> --> This has a <a href="/test/13/webmention" rel="webmention">real endpoint</a>."#),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/13/webmention")
    );
}

#[tokio::test]
async fn test_14_false_endpoint_in_escaped_html() {
    let found = endpoint_of(
        14,
        &[],
        &html(r#"<code>&lt;a href="/test/14/webmention/error" rel="webmention"&gt;&lt;/a&gt;</code> and the <a href="/test/14/webmention" rel="webmention">real one</a>."#),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/14/webmention")
    );
}

#[tokio::test]
async fn test_15_webmention_href_is_an_empty_string() {
    let found = endpoint_of(
        15,
        &[],
        &html_head(r#"<link rel="webmention" href="">"#, ""),
    )
    .await;
    assert_eq!(found.as_deref(), Some("https://webmention.rocks/test/15"));
}

#[tokio::test]
async fn test_16_multiple_endpoints_advertised_a_then_link() {
    // The <a> comes first in the document (the suite puts it in the body, the <link> after it).
    let found = endpoint_of(
        16,
        &[],
        &html(r#"<a href="/test/16/webmention" rel="webmention">first</a><link rel="webmention" href="/test/16/webmention/error">"#),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/16/webmention")
    );
}

#[tokio::test]
async fn test_17_multiple_endpoints_advertised_link_then_a() {
    let found = endpoint_of(
        17,
        &[],
        &html(r#"<link rel="webmention" href="/test/17/webmention"><a href="/test/17/webmention/error" rel="webmention">second</a>"#),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/17/webmention")
    );
}

#[tokio::test]
async fn test_18_multiple_http_link_headers() {
    let found = endpoint_of(
        18,
        &[
            (
                "Link",
                r#"<https://webmention.rocks/test/18/webmention/error>; rel="other""#,
            ),
            (
                "Link",
                r#"<https://webmention.rocks/test/18/webmention?head=true>; rel="webmention""#,
            ),
        ],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/18/webmention?head=true")
    );
}

#[tokio::test]
async fn test_19_single_http_link_header_with_multiple_values() {
    let found = endpoint_of(
        19,
        &[(
            "Link",
            r#"<https://webmention.rocks/test/19/webmention/error>; rel="other", <https://webmention.rocks/test/19/webmention?head=true>; rel="webmention""#,
        )],
        &html(""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/19/webmention?head=true")
    );
}

#[tokio::test]
async fn test_20_link_tag_with_no_href_attribute() {
    let found = endpoint_of(
        20,
        &[],
        &html_head(
            r#"<link rel="webmention">"#,
            r#"<a href="/test/20/webmention" rel="webmention">endpoint</a>"#,
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/20/webmention")
    );
}

#[tokio::test]
async fn test_21_webmention_endpoint_has_query_string_parameters() {
    let found = endpoint_of(
        21,
        &[],
        &html_head(
            r#"<link rel="webmention" href="/test/21/webmention?query=yes">"#,
            "",
        ),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/21/webmention?query=yes")
    );
}

#[tokio::test]
async fn test_22_webmention_endpoint_is_relative_to_the_path() {
    // The page is /test/22; "22/webmention" resolves to /test/22/webmention.
    let found = endpoint_of(
        22,
        &[],
        &html_head(r#"<link rel="webmention" href="22/webmention">"#, ""),
    )
    .await;
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/22/webmention")
    );
}

#[tokio::test]
async fn test_23_target_is_a_redirect_and_the_endpoint_is_relative() {
    // /test/23/page redirects to /test/23/page/{code}, whose <link> is relative to that final URL.
    let start = format!("{SITE}/test/23/page");
    let final_url = format!("{SITE}/test/23/page/5Vx4ABpw");
    let fetch = Canned::default().with_response(
        &start,
        Response {
            url: final_url,
            status: 200,
            headers: vec![(
                "link".into(),
                "<webmention-endpoint/5Vx4ABpw>; rel=\"webmention\"".into(),
            )],
            body: html("").into_bytes(),
        },
    );
    let found = discover_endpoint(&fetch, &start).await.ok().flatten();
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/23/page/webmention-endpoint/5Vx4ABpw")
    );
}

#[tokio::test]
async fn test_23_variant_relative_link_element_on_a_redirected_page() {
    let start = format!("{SITE}/test/23/page");
    let fetch = Canned::default().with_response(
        &start,
        Response {
            url: format!("{SITE}/test/23/page/abc"),
            status: 200,
            headers: vec![],
            body: html_head(
                r#"<link rel="webmention" href="webmention-endpoint/abc">"#,
                "",
            )
            .into_bytes(),
        },
    );
    let found = discover_endpoint(&fetch, &start).await.ok().flatten();
    assert_eq!(
        found.as_deref(),
        Some("https://webmention.rocks/test/23/page/webmention-endpoint/abc")
    );
}

#[tokio::test]
async fn a_page_without_an_endpoint_has_none() {
    assert_eq!(
        endpoint_of(
            99,
            &[("Link", "</feed>; rel=alternate")],
            &html("<a href=\"/x\">x</a>")
        )
        .await,
        None
    );
}
