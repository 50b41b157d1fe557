//! The OpenAPI document at `/api/v1/openapi.json` is kept honest: it is valid OpenAPI 3.1, every
//! operation it describes answers on the running app with one of the statuses it documents (and
//! the documented shape), reads it calls public are public, writes need a token, and every
//! `/api/v1` route in the source is documented.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use badgecommons::accounts::model::Role;
use common::{Api, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

const FALLBACK_404: &str = "There is no page at this address.";
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn document() -> Value {
    serde_json::from_str(badgecommons::api::OPENAPI).expect("openapi.json is JSON")
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("only local references: {reference}"));
            let target = doc
                .pointer(pointer)
                .unwrap_or_else(|| panic!("dangling reference {reference}"));
            resolve(doc, target)
        }
        None => value,
    }
}

/// Every `$ref` anywhere in `value`.
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                if key == "$ref" {
                    found.push(inner.as_str().expect("$ref is a string").to_string());
                } else {
                    references(inner, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| references(i, found)),
        _ => {}
    }
}

/// The documented (path, method) pairs.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if METHODS.contains(&method.as_str()) {
                out.push((path.clone(), method.clone(), operation.clone()));
            }
        }
    }
    out
}

/// A small structural check of a JSON value against a schema: types, required properties,
/// enums and array items (enough to catch a document that drifted from the handlers).
fn check_schema(doc: &Value, schema: &Value, value: &Value, at: &str) {
    let schema = resolve(doc, schema);
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if !types.is_empty() {
        let matches = types.iter().any(|t| match *t {
            "object" => value.is_object(),
            "array" => value.is_array(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "null" => value.is_null(),
            other => panic!("unknown type {other} in schema at {at}"),
        });
        assert!(matches, "{at}: {value} is not of type {types:?}");
    }
    if let Some(allowed) = schema["enum"].as_array() {
        assert!(allowed.contains(value), "{at}: {value} not in {allowed:?}");
    }
    if let (Some(object), Some(properties)) = (value.as_object(), schema["properties"].as_object())
    {
        for key in schema["required"].as_array().into_iter().flatten() {
            let key = key.as_str().expect("required names");
            assert!(object.contains_key(key), "{at}: missing {key:?} in {value}");
        }
        for (key, inner) in object {
            if let Some(property) = properties.get(key) {
                check_schema(doc, property, inner, &format!("{at}.{key}"));
            }
        }
    }
    if let (Some(items), Some(item_schema)) = (value.as_array(), schema.get("items")) {
        for (n, item) in items.iter().enumerate() {
            check_schema(doc, item_schema, item, &format!("{at}[{n}]"));
        }
    }
}

#[test]
fn the_document_is_openapi_3_1_and_self_consistent() {
    let doc = document();
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1."), "{version}");
    assert!(doc["info"]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["info"]["version"].as_str().is_some());
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    assert!(doc["components"]["schemas"]["Error"]["properties"]["error"]["type"] == "string");
    let ops = operations(&doc);
    assert!(ops.len() >= 20, "only {} operations documented", ops.len());
    let mut ids = BTreeSet::new();
    for (path, method, operation) in &ops {
        assert!(path.starts_with("/api/v1/"), "{path}");
        let id = operation["operationId"].as_str().expect("operationId");
        assert!(ids.insert(id.to_string()), "duplicate operationId {id}");
        let responses = operation["responses"].as_object().expect("responses");
        assert!(!responses.is_empty(), "{method} {path}: no responses");
        // Every path template variable has a parameter, and vice versa.
        let mut template_vars: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        template_vars.sort();
        let mut path_params: Vec<String> = operation["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| resolve(&doc, p))
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().expect("name").to_string())
            .collect();
        path_params.sort();
        assert_eq!(
            template_vars, path_params,
            "{method} {path}: path parameters"
        );
        // Errors are documented as the Error schema.
        for (code, response) in responses {
            let response = resolve(&doc, response);
            if code.starts_with('4') || code.starts_with('5') {
                assert_eq!(
                    response["content"]["application/json"]["schema"]["$ref"],
                    "#/components/schemas/Error",
                    "{method} {path} {code}"
                );
            }
        }
        for scheme in operation["security"].as_array().into_iter().flatten() {
            for name in scheme.as_object().expect("requirement").keys() {
                assert!(doc["components"]["securitySchemes"].get(name).is_some());
            }
        }
    }
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling {reference}");
    }
}

/// `/api/v1` routes in the source: (path, method) from every `.route("/api/v1...", ...)`.
fn routes_in_source() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut found = BTreeSet::new();
    let mut literals = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        // Any literal naming an API path must be a documented path (or one with a query).
        for (start, _) in text.match_indices("\"/api/v1") {
            let rest = &text[start + 1..];
            let literal = &rest[..rest.find('"').expect("closing quote")];
            literals += 1;
            let path = literal.split('?').next().unwrap_or_default();
            found.insert((path.to_string(), String::new()));
        }
        for (start, _) in text.match_indices(".route(") {
            let args_start = start + ".route(".len();
            let args = &text[args_start..];
            let trimmed = args.trim_start();
            let Some(after_quote) = trimmed.strip_prefix('"') else {
                continue;
            };
            let path = &after_quote[..after_quote.find('"').expect("closing quote")];
            if !path.starts_with("/api/v1") {
                continue;
            }
            // The arguments up to the parenthesis that closes `.route(`.
            let mut depth = 1;
            let mut end = 0;
            for (i, c) in args.char_indices() {
                match c {
                    '(' => depth += 1,
                    ')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let handlers = &args[..end];
            let mut methods = 0;
            for method in METHODS {
                for (at, _) in handlers.match_indices(&format!("{method}(")) {
                    let before = handlers[..at].chars().last().unwrap_or(' ');
                    if !(before.is_alphanumeric() || before == '_') {
                        found.insert((path.to_string(), method.to_string()));
                        methods += 1;
                    }
                }
            }
            assert!(methods > 0, "no method found for route {path} in {file:?}");
        }
    }
    assert!(literals >= 15, "found only {literals} /api/v1 literals");
    found
}

#[test]
fn every_api_route_in_the_source_is_documented() {
    let doc = document();
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|(path, method, _)| (path, method))
        .collect();
    let documented_paths: BTreeSet<&String> = documented.iter().map(|(p, _)| p).collect();
    let mut missing = Vec::new();
    for (path, method) in routes_in_source() {
        let ok = if method.is_empty() {
            documented_paths.contains(&path)
        } else {
            documented.contains(&(path.clone(), method.clone()))
        };
        if !ok {
            if method.is_empty() {
                missing.push(format!("{path} (a literal)"));
            } else {
                missing.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes missing from openapi.json: {missing:?}"
    );
}

/// The objects the calls refer to.
struct Fixture {
    topic: i64,
    post: i64,
    /// A spare token of the admin's, for the revocation call.
    token: i64,
    /// An open flag, for the resolution call.
    flag: i64,
    /// A badge class, made through the API.
    badge: i64,
    /// An award of it (a UUID), for the revocation call.
    award: String,
    /// A bulk award job of the badge class, for the progress call.
    bulk: i64,
    /// alice's first post, which the admin may thank (not their own).
    thanked_post: i64,
    /// An award rule, for the disable call.
    rule: i64,
    /// A badge the admin imported into their backpack, for the delete call.
    backpack: i64,
    /// An award made to the admin, who alone may show or hide it.
    own_award: String,
    /// Two collections of the admin's: one to change, one to delete (methods run in
    /// alphabetical order, so the delete comes first).
    collection: i64,
    doomed_collection: i64,
    username: &'static str,
}

async fn fixture(app: &TestApp) -> (Fixture, Api) {
    app.member("admin", Role::Admin).await;
    app.member("alice", Role::Member).await;
    app.member("carol", Role::Member).await;
    app.category("general").await;
    let alice = app.api_client("alice").await;
    let topic = app
        .topic_by(&alice, "general", "Hello commons", "hello world")
        .await;
    let admin = app.api_client("admin").await;
    let (status, reply) = admin
        .post(
            &format!("/api/v1/topics/{topic}/posts"),
            serde_json::json!({"body": "an admin's hello"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let post = reply["id"].as_i64().expect("post id");
    let spare = app.api_client("admin").await;
    let (_, tokens) = spare.get("/api/v1/tokens").await;
    let token = tokens["tokens"][0]["id"].as_i64().expect("token id");
    let (status, flag) = alice
        .post(
            &format!("/api/v1/posts/{post}/flags"),
            serde_json::json!({"reason": "a test flag"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{flag}");
    let flag = flag["id"].as_i64().expect("flag id");
    let (status, badge) = admin
        .post(
            "/api/v1/badges",
            serde_json::json!({"name": "Fixture", "description": "A badge.", "criteria": "Be here."}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{badge}");
    let badge = badge["id"].as_i64().expect("badge id");
    let (status, award) = admin
        .post(
            &format!("/api/v1/badges/{badge}/awards"),
            serde_json::json!({"username": "alice"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{award}");
    let award = award["id"].as_str().expect("award id").to_owned();
    let (status, bulk) = admin
        .post_raw(
            &format!("/api/v1/badges/{badge}/awards/bulk"),
            "text/csv",
            b"email,name\nbulk@example.org,Bulk\n".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{bulk}");
    let bulk = bulk["id"].as_i64().expect("bulk job id");
    let (status, detail) = alice.get(&format!("/api/v1/topics/{topic}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    let thanked_post = detail["posts"][0]["id"].as_i64().expect("first post id");
    let (status, rule) = admin
        .post(
            "/api/v1/rules",
            // A rule nobody meets yet, so that its back-fill awards nothing while the calls run.
            serde_json::json!({"badge_class_id": badge, "kind": "member_days", "threshold": 36500}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    let rule = rule["id"].as_i64().expect("rule id");
    // Not a real credential: it is stored all the same, marked not valid.
    let (status, imported) = admin
        .post(
            "/api/v1/backpack",
            serde_json::json!({"credential": "eyJhbGciOiJFZERTQSJ9.e30.c2ln"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{imported}");
    let backpack = imported["id"].as_i64().expect("backpack badge id");
    let (status, own) = admin
        .post(
            &format!("/api/v1/badges/{badge}/awards"),
            serde_json::json!({"username": "admin"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{own}");
    let own_award = own["id"].as_str().expect("award id").to_owned();
    let mut collections = Vec::new();
    for name in ["Fixture collection", "Doomed collection"] {
        let (status, made) = admin
            .post("/api/v1/collections", serde_json::json!({"name": name}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        collections.push(made["id"].as_i64().expect("collection id"));
    }
    (
        Fixture {
            topic,
            post,
            token,
            flag,
            badge,
            award,
            bulk,
            thanked_post,
            rule,
            backpack,
            own_award,
            collection: collections[0],
            doomed_collection: collections[1],
            username: "carol",
        },
        admin,
    )
}

/// The concrete calls an operation stands for (one per value of an enumerated path parameter).
fn concrete_paths(doc: &Value, path: &str, operation: &Value, f: &Fixture) -> Vec<String> {
    let id = if path.starts_with("/api/v1/topics/") {
        f.topic.to_string()
    } else if path.starts_with("/api/v1/tokens/") {
        f.token.to_string()
    } else if path.starts_with("/api/v1/flags/") {
        f.flag.to_string()
    } else if path.starts_with("/api/v1/badges/") {
        f.badge.to_string()
    } else if path.ends_with("/visibility") {
        f.own_award.clone()
    } else if path.starts_with("/api/v1/awards/") {
        f.award.clone()
    } else if path.starts_with("/api/v1/collections/") {
        if operation["operationId"] == "deleteCollection" {
            f.doomed_collection.to_string()
        } else {
            f.collection.to_string()
        }
    } else if path.starts_with("/api/v1/bulk-awards/") {
        f.bulk.to_string()
    } else if path.starts_with("/api/v1/backpack/") {
        f.backpack.to_string()
    } else if path.starts_with("/api/v1/rules/") {
        f.rule.to_string()
    } else if path.ends_with("/thanks") {
        f.thanked_post.to_string()
    } else {
        f.post.to_string()
    };
    let mut paths = vec![path.replace("{id}", &id).replace("{username}", f.username)];
    for parameter in operation["parameters"].as_array().into_iter().flatten() {
        let parameter = resolve(doc, parameter);
        let name = parameter["name"].as_str().expect("name");
        if parameter["in"] == "path" {
            if let Some(values) = resolve(doc, &parameter["schema"])["enum"].as_array() {
                paths = paths
                    .iter()
                    .flat_map(|p| {
                        values.iter().map(move |v| {
                            p.replace(&format!("{{{name}}}"), v.as_str().expect("enum value"))
                        })
                    })
                    .collect();
            }
        } else if parameter["in"] == "query" && parameter["required"] == true {
            for p in &mut paths {
                let separator = if p.contains('?') { '&' } else { '?' };
                p.push_str(&format!("{separator}{name}=hello"));
            }
        }
    }
    for p in &paths {
        assert!(!p.contains('{'), "unsubstituted parameter in {p}");
    }
    paths
}

/// Makes one call and checks that the route exists and the answer is documented.
async fn call(
    app: &TestApp,
    doc: &Value,
    token: Option<&str>,
    method: &str,
    url_path: &str,
    operation: &Value,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(
        Method::from_bytes(method.to_uppercase().as_bytes()).expect("method"),
        app.url(url_path),
    );
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = operation["requestBody"].get("content") {
        // A CSV upload documents a `text/csv` example (a string) instead of a JSON one.
        if let Some(csv) = body["text/csv"]["example"].as_str() {
            request = request
                .header("content-type", "text/csv")
                .body(csv.to_owned());
        } else {
            let example = body["application/json"]["example"].clone();
            assert!(
                !example.is_null(),
                "{method} {url_path}: no request example"
            );
            request = request.json(&example);
        }
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let text = response.text().await.expect("body");
    let json: Value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {url_path}: non-JSON ({status}): {text}"))
    };
    let what = format!("{} {url_path} -> {status} {json}", method.to_uppercase());
    assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{what}");
    assert!(
        !(status == StatusCode::NOT_FOUND && json["error"] == FALLBACK_404),
        "no such route: {what}"
    );
    let documented = resolve(doc, &operation["responses"][status.as_str()]);
    assert!(documented.is_object(), "status not documented for {what}");
    if !text.is_empty() {
        assert!(content_type.starts_with("application/json"), "{what}");
    }
    if status.is_client_error() || status.is_server_error() {
        assert!(
            json["error"].is_string(),
            "errors are {{\"error\"}}: {what}"
        );
    }
    if let Some(schema) = documented["content"]["application/json"].get("schema") {
        check_schema(doc, schema, &json, &what);
    } else {
        assert!(text.is_empty(), "undocumented body: {what}");
    }
    (status, json)
}

fn is_public(operation: &Value) -> bool {
    operation["security"].as_array().is_some_and(|s| {
        s.iter()
            .any(|r| r.as_object().is_some_and(|o| o.is_empty()))
    })
}

both_backends! {
    async fn every_documented_operation_answers_as_documented(app) {
        let doc = document();
        let (f, admin) = fixture(&app).await;
        let ops = operations(&doc);

        // Signed out first, while everything still exists: public reads succeed, the rest ask for
        // a token.
        for (path, method, operation) in &ops {
            for url_path in concrete_paths(&doc, path, operation, &f) {
                let (status, json) = call(&app, &doc, None, method, &url_path, operation).await;
                if is_public(operation) {
                    assert!(status.is_success(), "public {method} {url_path}: {status} {json}");
                } else {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {url_path}: {json}");
                }
            }
        }

        // As an admin: every call reaches its handler and answers a documented status.
        let token = admin.token.clone();
        let mut successes = BTreeMap::new();
        for (path, method, operation) in &ops {
            for url_path in concrete_paths(&doc, path, operation, &f) {
                let (status, _) = call(&app, &doc, token.as_deref(), method, &url_path, operation).await;
                successes.insert(format!("{method} {url_path}"), status);
            }
        }
        let failed: Vec<_> = successes.iter().filter(|(_, s)| !s.is_success()).collect();
        // Only approving what does not wait (a post, carol's account) and signing up again with
        // the example the signed-out pass already used are expected to be refused, as conflicts.
        let expected_conflict = |call: &str| {
            call.ends_with("/approve") || call.ends_with("/approval") || call == "post /api/v1/members"
        };
        // Connecting a planet site fetches it, and the example's site cannot be reached from a
        // test (tests/planet.rs covers the success on local sites): a 422 that says so.
        let expected_unprocessable = |call: &str| call == "post /api/v1/planet/subscriptions";
        assert!(
            failed.iter().all(|(call, s)| (expected_conflict(call) && **s == StatusCode::CONFLICT)
                || (expected_unprocessable(call) && **s == StatusCode::UNPROCESSABLE_ENTITY)),
            "{failed:?}"
        );

        // Unknown objects: the route still exists and says so in JSON.
        let unknown = Fixture { topic: 999_999, post: 999_999, token: 999_999, flag: 999_999, badge: 999_999, award: "no-such-award".to_owned(), bulk: 999_999, thanked_post: 999_999, rule: 999_999, backpack: 999_999, own_award: "no-such-award".to_owned(), collection: 999_999, doomed_collection: 999_999, username: "nobody-here" };
        for (path, method, operation) in &ops {
            if !path.contains('{') {
                continue;
            }
            for url_path in concrete_paths(&doc, path, operation, &unknown) {
                let (status, _) = call(&app, &doc, token.as_deref(), method, &url_path, operation).await;
                assert!(status.is_client_error(), "{method} {url_path}: {status}");
            }
        }
    }

    async fn the_served_document_is_the_file(app) {
        let response = reqwest::get(app.url("/api/v1/openapi.json")).await.expect("GET");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(response
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or_default().starts_with("application/json")));
        let served: Value = response.json().await.expect("json");
        assert_eq!(served, document());
    }
}
