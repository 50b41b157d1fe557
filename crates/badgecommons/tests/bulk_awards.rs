//! Bulk awards from a CSV: each good row becomes a signed credential that verifies, each bad row
//! gets a message naming the row and the problem, a file that is not a CSV of recipients stores
//! nothing, the progress shows as a self-refreshing page and as JSON, and a job cut short goes on
//! after a restart without awarding any row twice.

mod common;

use std::time::{Duration, Instant};

use badgecommons::accounts::model::Role;
use badgecommons::net::{parse_allow_list, FetchPolicy, GuardedClient};
use badgecommons::recognition::bulk_awards;
use badgecommons::web::AppState;
use common::{location, Api, TestApp};
use openbadges::verify::{self, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sqlx::Row;

/// A verifier that may fetch from the test instance on loopback.
fn loopback_fetcher() -> GuardedClient {
    GuardedClient::new(FetchPolicy {
        allow: parse_allow_list("127.0.0.0/8").expect("allow list"),
        ..FetchPolicy::default()
    })
    .expect("client")
}

/// An admin (ada) with an API client, and a badge class; returns (api, class id).
async fn badge_class(app: &TestApp) -> (Api, i64) {
    app.member("ada", Role::Admin).await;
    let api = app.api_client("ada").await;
    let (status, body) = api
        .post(
            "/api/v1/badges",
            json!({"name": "Contributor", "description": "Contributed.", "criteria": "Contribute."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (api, body["id"].as_i64().expect("id"))
}

async fn post_csv(api: &Api, class: i64, csv: &[u8]) -> (StatusCode, Value) {
    api.post_raw(
        &format!("/api/v1/badges/{class}/awards/bulk"),
        "text/csv",
        csv.to_vec(),
    )
    .await
}

/// Polls the job until it is finished (or fails the test after a minute).
async fn finished(api: &Api, job: i64) -> Value {
    let started = Instant::now();
    loop {
        let (status, body) = api.get(&format!("/api/v1/bulk-awards/{job}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        if body["finished"] == true {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "job {job} not finished: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql)
        .fetch_one(app.db.pool())
        .await
        .expect("count")
        .try_get("n")
        .expect("n")
}

async fn verifies(app: &TestApp, award: &str, recipient: &str) {
    let bytes = reqwest::get(app.url(&format!("/credentials/{award}.json")))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    let options = Options {
        recipient: Some(recipient.to_owned()),
        ..Options::default()
    };
    let report = verify::verify_bytes(&bytes, &options, &loopback_fetcher()).await;
    let failing: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.status == verify::Status::Fail)
        .map(|c| format!("{}: {}", c.id, c.message))
        .collect();
    assert!(report.valid, "{award} for {recipient}: {failing:#?}");
}

const CSV: &str = "Email,Name,Evidence\r\n\
one@example.org,One,https://example.org/1\r\n\
MEI@example.org,,\r\n\
\"three@example.org\",\"Three, the third\",https://example.org/3 https://example.org/3b\r\n\
\r\n\
bob@,Bob,\r\n\
four@example.org,Four,\r\n\
five@example.org,Five,ftp://example.org/file\r\n\
six@example.org,Six,https://example.org/6\r\n";

both_backends! {
    async fn a_csv_awards_every_good_row_and_explains_the_bad_ones(app) {
        let (api, class) = badge_class(&app).await;
        app.member("mei", Role::Member).await;
        let (status, body) = post_csv(&api, class, CSV.as_bytes()).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        assert_eq!(body["total"], 7, "the blank line is no row: {body}");
        let job = body["id"].as_i64().expect("job id");
        assert_eq!(body["url"], app.url(&format!("/api/v1/bulk-awards/{job}")));

        let result = finished(&api, job).await;
        assert_eq!((result["total"].as_i64(), result["done"].as_i64()), (Some(7), Some(7)), "{result}");
        let rows = result["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 7);
        let row = |n: i64| rows.iter().find(|r| r["row"] == n).unwrap_or_else(|| panic!("row {n}: {result}"));
        assert_eq!(row(6)["error"], "row 6: \"bob@\" is not an email address", "{result}");
        let five = row(8)["error"].as_str().expect("row 8 error");
        assert!(five.starts_with("row 8: ") && five.contains("ftp://example.org/file") && five.contains("http(s)"), "{five}");
        assert!(row(6).get("award").is_none() && row(8).get("award").is_none());

        let good = [(2, "one@example.org"), (3, "mei@example.org"), (4, "three@example.org"), (7, "four@example.org"), (9, "six@example.org")];
        for (n, email) in good {
            let award = row(n)["award"].as_str().unwrap_or_else(|| panic!("row {n} awarded: {result}"));
            assert!(row(n).get("error").is_none());
            assert_eq!(row(n)["url"], app.url(&format!("/credentials/{award}")));
            verifies(&app, award, email).await;
        }
        assert_eq!(count(&app, &format!("SELECT COUNT(*) AS n FROM awards WHERE badge_class_id = {class}")).await, 5);
        let three: Value = reqwest::get(app.url(&format!("/credentials/{}.json", row(4)["award"].as_str().unwrap_or_default())))
            .await.expect("get").json().await.expect("json");
        assert_eq!(three["evidence"].as_array().map(Vec::len), Some(2), "two evidence links: {three:#}");

        // The member got the award as a member, and was told.
        let mei_award = row(3)["award"].as_str().expect("mei's award").to_owned();
        let mei = app.signed_in("mei").await;
        let (_, html) = mei.page("/notifications").await;
        assert!(html.contains("awarded you the badge") && html.contains(&format!("/credentials/{mei_award}")), "{html}");
        let (_, profile) = app.browser().page("/u/mei").await;
        assert!(profile.contains(&format!("/credentials/{mei_award}")));

        // The progress page, finished: counts and each row's result, no more refreshing.
        let ada = app.signed_in("ada").await;
        let (status, page) = ada.page(&format!("/badges/{class}/bulk/{job}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("7 of 7 done") && page.contains("5 awarded"), "{page}");
        assert!(!page.contains("http-equiv=\"refresh\""), "a finished job does not refresh");
        for (n, _) in good {
            assert!(page.contains(&format!("/credentials/{}", row(n)["award"].as_str().unwrap_or_default())));
        }
        assert!(page.contains("row 6: ") && page.contains("bob@") && page.contains("is not an email address"), "{page}");
        let (status, _) = ada.page(&format!("/badges/{}/bulk/{job}", class + 1)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "the job belongs to its badge class");

        // Members neither upload nor watch.
        let member = app.api_client("mei").await;
        let (status, _) = post_csv(&member, class, b"x@example.org\n").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = member.get(&format!("/api/v1/bulk-awards/{job}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = mei.page(&format!("/badges/{class}/bulk/{job}")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = app.anonymous_api().get(&format!("/api/v1/bulk-awards/{job}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM bulk_award_jobs").await, 1);
    }

    async fn files_that_are_not_csv_or_over_the_limits_store_nothing(app) {
        let (api, class) = badge_class(&app).await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe";
        let many = "someone@example.org\n".repeat(bulk_awards::MAX_ROWS + 1);
        let huge = format!("a@example.org,{}\n", "x".repeat(bulk_awards::MAX_BYTES));
        let cases: [(&[u8], StatusCode, &str); 6] = [
            (png, StatusCode::BAD_REQUEST, "not UTF-8"),
            (b"{\"recipients\": [\"a\"]}", StatusCode::UNPROCESSABLE_ENTITY, "not a CSV of recipients"),
            (b"\r\n\r\n", StatusCode::UNPROCESSABLE_ENTITY, "no rows"),
            (b"a@example.org,\"unclosed\0", StatusCode::BAD_REQUEST, "NUL"),
            (many.as_bytes(), StatusCode::UNPROCESSABLE_ENTITY, "more than 10000 rows"),
            (huge.as_bytes(), StatusCode::PAYLOAD_TOO_LARGE, "at most 2 MB"),
        ];
        for (body, expected, words) in cases {
            let (status, answer) = post_csv(&api, class, body).await;
            assert_eq!(status, expected, "{answer}");
            assert!(answer["error"].as_str().unwrap_or("").contains(words), "{words}: {answer}");
        }
        let (status, answer) = api
            .post_raw(&format!("/api/v1/badges/{class}/awards/bulk"), "application/json", b"{}".to_vec())
            .await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{answer}");
        let (status, _) = post_csv(&api, 999_999, b"a@example.org\n").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = app.anonymous_api()
            .post_raw(&format!("/api/v1/badges/{class}/awards/bulk"), "text/csv", b"a@example.org\n".to_vec())
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, _) = api.get("/api/v1/bulk-awards/999999").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM bulk_award_jobs").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM bulk_award_rows").await, 0);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM awards").await, 0);
    }

    async fn staff_upload_a_csv_with_the_form_on_the_badge_page(app) {
        let (api, class) = badge_class(&app).await;
        app.member("sam", Role::Member).await;
        let ada = app.signed_in("ada").await;
        let (_, page) = ada.page(&format!("/badges/{class}")).await;
        assert!(page.contains(&format!("action=\"/badges/{class}/bulk\"")) && page.contains("multipart/form-data"), "{page}");
        let sam = app.signed_in("sam").await;
        let (_, page) = sam.page(&format!("/badges/{class}")).await;
        assert!(!page.contains(&format!("/badges/{class}/bulk")), "members see no upload form");

        let csv = b"\xEF\xBB\xBFa@example.org,Ann\nb@example.org,\"Bea \"\"B\"\" Smith\",https://example.org/b\n";
        let response = ada
            .submit_multipart(&format!("/badges/{class}/bulk"), &[], &[("file", "people.csv", "text/csv", csv)])
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let progress = location(&response);
        let job: i64 = progress
            .strip_prefix(&format!("/badges/{class}/bulk/"))
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("redirect to the progress page: {progress}"));
        let result = finished(&api, job).await;
        assert_eq!(result["done"], 2, "{result}");
        assert!(result["rows"].as_array().expect("rows").iter().all(|r| r["award"].is_string()), "{result}");
        let (status, page) = ada.page(&progress).await;
        assert_eq!(status, StatusCode::OK);
        assert!(page.contains("2 of 2 done") && (page.contains("Bea &#34;B&#34; Smith") || page.contains("Bea &quot;B&quot; Smith")), "{page}");

        // Refused uploads through the form: a member, a file that is not CSV, no file.
        let response = sam
            .submit_multipart(&format!("/badges/{class}/bulk"), &[], &[("file", "people.csv", "text/csv", b"c@example.org\n")])
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let response = ada
            .submit_multipart(&format!("/badges/{class}/bulk"), &[], &[("file", "badge.png", "image/png", b"\x89PNG\r\n\x1a\n\xff\xfe")])
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let page = response.text().await.expect("text");
        assert!(page.contains("not UTF-8 text"), "{page}");
        let response = ada.submit_multipart(&format!("/badges/{class}/bulk"), &[], &[]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM bulk_award_jobs").await, 1);
    }

    async fn an_unfinished_job_resumes_without_awarding_any_row_twice(app) {
        let (api, class) = badge_class(&app).await;
        let ada: i64 = sqlx::query("SELECT id FROM users WHERE username = 'ada'")
            .fetch_one(app.db.pool()).await.expect("ada").try_get("id").expect("id");
        // As a crash would leave it: row 2 awarded (in the same transaction as its result), rows
        // 3 and 4 still pending.
        let (status, body) = api
            .post(&format!("/api/v1/badges/{class}/awards"), json!({"email": "first@example.org"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let first = body["id"].as_str().expect("award id").to_owned();
        let job: i64 = sqlx::query(
            "INSERT INTO bulk_award_jobs (badge_class_id, started_by, total, done, created_at)
             VALUES ($1, $2, 3, 1, $3) RETURNING id",
        )
        .bind(class).bind(ada).bind(badgecommons::store::now())
        .fetch_one(app.db.pool()).await.expect("job").try_get("id").expect("id");
        for (row, email, award) in [(2, "first@example.org", Some(first.clone())), (3, "second@example.org", None), (4, "third@example.org", None)] {
            sqlx::query("INSERT INTO bulk_award_rows (job_id, row_no, email, name, evidence, award_id) VALUES ($1, $2, $3, '', '', $4)")
                .bind(job).bind(row as i64).bind(email).bind(award)
                .execute(app.db.pool()).await.expect("row");
        }

        let admin = app.signed_in("ada").await;
        let (_, page) = admin.page(&format!("/badges/{class}/bulk/{job}")).await;
        assert!(page.contains("1 of 3 done") && page.contains("<meta http-equiv=\"refresh\" content=\"2\">"), "{page}");

        // What the server does on start, twice at once: the two workers take turns.
        let mut settings = common::test_settings(&app.database_url, &app.data_dir);
        settings.public_url = app.base.clone();
        let state = AppState::new(app.db.clone(), settings).expect("state");
        // The job's row is held while both start, so that neither worker can finish the job
        // before the other has looked for unfinished jobs: both must find it.
        let mut hold = app.db.begin().await.expect("hold");
        sqlx::query("UPDATE bulk_award_jobs SET worked_at = worked_at WHERE id = $1")
            .bind(job).execute(&mut *hold).await.expect("hold the job");
        let (a, b) = tokio::join!(bulk_awards::resume_bulk_jobs(&state), bulk_awards::resume_bulk_jobs(&state));
        assert_eq!((a.expect("resume"), b.expect("resume")), (1, 1));
        hold.commit().await.expect("release the job");

        let result = finished(&api, job).await;
        assert_eq!(result["done"], 3, "{result}");
        let rows = result["rows"].as_array().expect("rows");
        assert_eq!(rows[0]["award"], first.as_str(), "the awarded row kept its award");
        let mut ids: Vec<&str> = rows.iter().filter_map(|r| r["award"].as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 3, "{result}");
        assert_eq!(count(&app, "SELECT COUNT(*) AS n FROM awards").await, 3, "no row awarded twice");
        for email in ["first@example.org", "second@example.org", "third@example.org"] {
            assert_eq!(count(&app, &format!("SELECT COUNT(*) AS n FROM awards WHERE recipient_email = '{email}'")).await, 1, "{email}");
        }
        verifies(&app, rows[2]["award"].as_str().expect("award"), "third@example.org").await;
        // Nothing left to resume.
        assert_eq!(bulk_awards::resume_bulk_jobs(&state).await.expect("resume"), 0);
    }
}
