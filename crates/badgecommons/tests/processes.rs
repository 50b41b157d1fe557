//! The binary as a host runs it: the command line, restarts after a crash, two server processes on
//! one PostgreSQL, and a graceful stop on SIGTERM.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fresh_database, Backend};
use reqwest::StatusCode;

const BIN: &str = env!("CARGO_BIN_EXE_badgecommons");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Runs a command of the binary to completion: (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn badgecommons");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let output = child.wait_with_output().expect("wait");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A server process that is killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(database_url: &str, data_dir: &std::path::Path) -> Server {
        let port = free_port();
        let child = Command::new(BIN)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--database-url",
                database_url,
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn server");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(response) = reqwest::get(format!("{base}/healthz")).await {
                if response.status() == StatusCode::OK {
                    break;
                }
            }
            assert!(Instant::now() < deadline, "server did not become healthy");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Server { child, base }
    }

    fn kill_hard(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_hard();
    }
}

fn create_admin_and_category(database_url: &str) {
    let (code, out, err) = run(
        &[
            "--database-url",
            database_url,
            "admin",
            "create-user",
            "--username",
            "ada",
            "--email",
            "ada@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "a long admin password\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(
        &[
            "admin",
            "create-category",
            "--slug",
            "general",
            "--name",
            "General",
            "--database-url",
            database_url,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
}

async fn token(base: &str) -> String {
    let response = reqwest::Client::new()
        .post(format!("{base}/api/v1/tokens"))
        .json(&serde_json::json!({"username": "ada", "password": "a long admin password"}))
        .send()
        .await
        .expect("token");
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: serde_json::Value = response.json().await.expect("json");
    body["token"].as_str().expect("token").to_string()
}

async fn an_acknowledged_post_survives_kill_9(backend: Backend) {
    let Some((url, dir)) = fresh_database(backend).await else {
        return;
    };
    create_admin_and_category(&url);
    let mut server = Server::start(&url, &dir).await;
    let token = token(&server.base).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/topics", server.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"category": "general", "title": "Durable", "body": "written before the crash"}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::CREATED);
    let topic: serde_json::Value = response.json().await.expect("json");
    server.kill_hard();

    let server = Server::start(&url, &dir).await;
    let body: serde_json::Value =
        reqwest::get(format!("{}/api/v1/topics/{}", server.base, topic["id"]))
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
    assert_eq!(
        body["posts"][0]["body_html"],
        "<p>written before the crash</p>\n"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn an_acknowledged_post_survives_kill_9_on_sqlite() {
    an_acknowledged_post_survives_kill_9(Backend::Sqlite).await;
}

#[tokio::test]
async fn an_acknowledged_post_survives_kill_9_on_postgres() {
    an_acknowledged_post_survives_kill_9(Backend::Postgres).await;
}

#[tokio::test]
async fn two_processes_on_one_postgres_serve_the_same_community() {
    let Some((url, dir)) = fresh_database(Backend::Postgres).await else {
        return;
    };
    create_admin_and_category(&url);
    let first = Server::start(&url, &dir).await;
    let second = Server::start(&url, &dir).await;

    // A token issued by one process works on the other: sessions and tokens live in the database.
    let token = token(&first.base).await;
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/api/v1/topics", second.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"category": "general", "title": "Shared", "body": "from the second process"}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::CREATED);
    let topic: serde_json::Value = response.json().await.expect("json");

    // Replies from both processes at once get distinct numbers.
    let mut replies = Vec::new();
    for i in 0..10 {
        let base = if i % 2 == 0 {
            &first.base
        } else {
            &second.base
        };
        replies.push(
            client
                .post(format!("{base}/api/v1/topics/{}/posts", topic["id"]))
                .bearer_auth(&token)
                .json(&serde_json::json!({"body": format!("reply {i}")}))
                .send(),
        );
    }
    for reply in replies {
        assert_eq!(reply.await.expect("reply").status(), StatusCode::CREATED);
    }
    let body: serde_json::Value =
        reqwest::get(format!("{}/api/v1/topics/{}", first.base, topic["id"]))
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
    let mut numbers: Vec<i64> = body["posts"]
        .as_array()
        .expect("posts")
        .iter()
        .map(|p| p["number"].as_i64().unwrap_or(0))
        .collect();
    numbers.sort();
    assert_eq!(numbers, (1..=11).collect::<Vec<_>>());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let Some((url, dir)) = fresh_database(Backend::Sqlite).await else {
        return;
    };
    let mut server = Server::start(&url, &dir).await;
    let address = server.base.trim_start_matches("http://").to_string();

    // Start a request and hold back the end of its body, so it is in flight during the signal.
    let mut stream = TcpStream::connect(&address).expect("connect");
    let body = r#"{"username":"nobody","password":"wrong password"}"#;
    let head = format!(
        "POST /api/v1/tokens HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    stream
        .write_all(&body.as_bytes()[..10])
        .expect("part of the body");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream
        .write_all(&body.as_bytes()[10..])
        .expect("rest of the body");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "the in-flight request was answered: {answer}"
    );

    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().expect("wait") {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not stop after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success(), "clean exit after SIGTERM: {exit:?}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn every_command_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["admin", "--help"],
        vec!["admin", "create-user", "--help"],
        vec!["admin", "create-category", "--help"],
    ] {
        let (code, out, err) = run(&args, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        assert!(out.contains("Usage:"), "{args:?}: {out}");
        assert!(
            out.contains("--data-dir") && out.contains("--database-url"),
            "{args:?} accepts the shared flags: {out}"
        );
    }
}

#[test]
fn admin_commands_act_on_the_data_dir_given_before_or_after_the_subcommand() {
    let dir = std::env::temp_dir().join(common::unique_name("bc-cli"));
    let dir_arg = dir.to_str().expect("utf-8 path");
    let (code, _, err) = run(&["--data-dir", dir_arg, "migrate"], "");
    assert_eq!(code, 0, "{err}");
    assert!(
        dir.join("badgecommons.db").exists(),
        "SQLite file in the data directory"
    );
    let (code, out, err) = run(
        &[
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--role",
            "admin",
            "--password-stdin",
            "--data-dir",
            dir_arg,
        ],
        "a long admin password",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Created admin root"));
    let (code, _, err) = run(
        &[
            "--data-dir",
            dir_arg,
            "admin",
            "create-user",
            "--username",
            "Root",
            "--email",
            "other@example.org",
            "--password-stdin",
        ],
        "a long admin password",
    );
    assert_eq!(code, 1, "the same name in another case is taken");
    assert!(err.contains("already taken"), "{err}");
    let (code, _, err) = run(
        &[
            "--data-dir",
            dir_arg,
            "admin",
            "create-user",
            "--username",
            "shorty",
            "--email",
            "s@example.org",
            "--password-stdin",
        ],
        "short",
    );
    assert_eq!(code, 1);
    assert!(err.contains("at least 10 characters"), "{err}");
    let (code, _, err) = run(
        &[
            "--data-dir",
            dir_arg,
            "admin",
            "create-category",
            "--slug",
            "Bad Slug",
            "--name",
            "X",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("slug"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn an_unusable_database_url_is_an_error_that_names_it() {
    let (code, _, err) = run(&["--database-url", "mysql://nope", "migrate"], "");
    assert_eq!(code, 1);
    assert!(err.contains("unsupported database URL"), "{err}");
}

#[tokio::test]
async fn a_fresh_server_explains_how_to_create_the_first_admin() {
    let dir = std::env::temp_dir().join(common::unique_name("bc-fresh"));
    let port = free_port();
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--data-dir")
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let mut buffer = [0u8; 4096];
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && !text.contains("create-user") {
            match stdout.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => text.push_str(&String::from_utf8_lossy(&buffer[..n])),
            }
        }
        text
    });
    let text = reader.join().expect("reader");
    let _ = child.kill();
    let _ = child.wait();
    assert!(text.contains("admin create-user"), "{text}");
    assert!(text.contains("--role admin"));
    let _ = std::fs::remove_dir_all(dir);
}
