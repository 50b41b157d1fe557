//! The badge commands of the binary as a host uses them: make a key, sign a credential, bake it
//! into an image and get it out again.

use std::path::{Path, PathBuf};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_badgecommons");

fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    let output = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run badgecommons");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A 1×1 grey PNG, built chunk by chunk.
fn plain_png() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
        out
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

const CREDENTIAL: &str = r#"{
  "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
  "id": "urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002",
  "type": ["VerifiableCredential", "OpenBadgeCredential"],
  "issuer": {"id": "replaced", "type": ["Profile"], "name": "Example Co-op"},
  "validFrom": "2026-01-01T00:00:00Z",
  "name": "Maker badge",
  "credentialSubject": {"type": ["AchievementSubject"], "achievement": {"id": "https://example.org/achievements/1", "type": ["Achievement"], "name": "Maker", "description": "Made things", "criteria": {"narrative": "Make a thing"}}}
}"#;

#[test]
fn a_host_makes_a_key_signs_bakes_and_unbakes_a_credential() {
    let dir = workdir("issue");
    let (code, out, err) = run(&["keygen", "-o", "issuer.key"], &dir);
    assert_eq!(code, 0, "{err}");
    let did = out
        .lines()
        .find_map(|l| l.strip_prefix("did: "))
        .expect("did printed")
        .to_string();
    assert!(did.starts_with("did:key:z6Mk"), "{did}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join("issuer.key"))
            .expect("key file")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
    }
    let (code, _, err) = run(&["keygen", "-o", "issuer.key"], &dir);
    assert_eq!(code, 1);
    assert!(err.contains("refusing to overwrite"), "{err}");

    std::fs::write(dir.join("credential.json"), CREDENTIAL).expect("write");
    let (code, _, err) = run(
        &[
            "sign",
            "--key",
            "issuer.key",
            "--issuer",
            &did,
            "credential.json",
            "-o",
            "signed.json",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    let signed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("signed.json")).expect("signed"))
            .expect("json");
    assert_eq!(signed["issuer"]["id"], did.as_str());
    assert_eq!(
        signed["issuer"]["name"], "Example Co-op",
        "the profile's other fields stay"
    );
    assert_eq!(signed["proof"]["cryptosuite"], "eddsa-rdfc-2022");
    assert!(signed["proof"]["verificationMethod"]
        .as_str()
        .expect("vm")
        .starts_with(&format!("{did}#")));
    let key = openbadges::proof::did_key::resolve_verification_method(
        signed["proof"]["verificationMethod"].as_str().expect("vm"),
    )
    .expect("did:key");
    let resolver = move |_: &str| -> Result<
        ed25519_dalek::VerifyingKey,
        openbadges::proof::data_integrity::ResolveError,
    > { Ok(key) };
    openbadges::proof::data_integrity::verify(&signed, &resolver).expect("the signature verifies");

    std::fs::write(dir.join("plain.png"), plain_png()).expect("png");
    let (code, out, err) = run(
        &[
            "bake",
            "--image",
            "plain.png",
            "--credential",
            "signed.json",
            "-o",
            "baked.png",
        ],
        &dir,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Open Badges 3.0"), "{out}");
    let (code, out, err) = run(&["unbake", "baked.png"], &dir);
    assert_eq!(code, 0, "{err}");
    let unbaked: serde_json::Value = serde_json::from_str(&out).expect("the payload is the JSON");
    assert_eq!(unbaked, signed);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn signing_refuses_a_did_key_issuer_that_is_not_the_key() {
    let dir = workdir("wrong-issuer");
    assert_eq!(run(&["keygen", "-o", "k"], &dir).0, 0);
    std::fs::write(dir.join("c.json"), CREDENTIAL).expect("write");
    let (code, _, err) = run(
        &[
            "sign",
            "--key",
            "k",
            "--issuer",
            "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "c.json",
        ],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(err.contains("another key"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unbake_and_bake_name_the_problem_with_bad_input() {
    let dir = workdir("bad");
    std::fs::write(dir.join("plain.png"), plain_png()).expect("png");
    std::fs::write(dir.join("text.txt"), "hello").expect("txt");
    let (code, _, err) = run(&["unbake", "plain.png"], &dir);
    assert_eq!(code, 1);
    assert!(err.contains("no Open Badges payload"), "{err}");
    let (code, _, err) = run(&["unbake", "text.txt"], &dir);
    assert_eq!(code, 1);
    assert!(!err.is_empty());
    let (code, _, err) = run(
        &[
            "bake",
            "--image",
            "plain.png",
            "--credential",
            "text.txt",
            "-o",
            "out.png",
        ],
        &dir,
    );
    assert_eq!(code, 1);
    assert!(err.contains("not a credential"), "{err}");
    assert!(!dir.join("out.png").exists(), "nothing written on failure");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn verify_answers_with_its_exit_status_and_a_json_report() {
    let dir = workdir("verify");
    let (_, out, _) = run(&["keygen", "-o", "issuer.key"], &dir);
    let did = out
        .lines()
        .find_map(|l| l.strip_prefix("did: "))
        .expect("did")
        .to_string();
    std::fs::write(dir.join("credential.json"), CREDENTIAL).expect("write");
    assert_eq!(
        run(
            &[
                "sign",
                "--key",
                "issuer.key",
                "--issuer",
                &did,
                "credential.json",
                "-o",
                "signed.json"
            ],
            &dir
        )
        .0,
        0
    );

    let (code, out, err) = run(&["verify", "signed.json", "--json"], &dir);
    assert_eq!(code, 0, "valid: {out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["valid"], true);
    assert_eq!(report["format"], "ob3-data-integrity");
    assert!(report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .all(|c| c["id"].is_string() && c["status"].is_string() && c["message"].is_string()));

    let signed = std::fs::read_to_string(dir.join("signed.json")).expect("signed");
    std::fs::write(
        dir.join("tampered.json"),
        signed.replace("Made things", "Made nothing"),
    )
    .expect("write");
    let (code, out, _) = run(&["verify", "tampered.json"], &dir);
    assert_eq!(code, 1, "not valid: {out}");
    assert!(
        out.contains("NOT VALID") && out.contains("[FAIL] proof"),
        "{out}"
    );

    assert_eq!(
        run(
            &[
                "sign",
                "--key",
                "issuer.key",
                "--issuer",
                &did,
                "credential.json",
                "--format",
                "jwt",
                "-o",
                "signed.jwt"
            ],
            &dir
        )
        .0,
        0
    );
    let (code, out, _) = run(&["verify", "signed.jwt"], &dir);
    assert_eq!(code, 0, "a VC-JWT we sign verifies: {out}");

    std::fs::write(dir.join("plain.png"), plain_png()).expect("png");
    let (code, out, _) = run(&["verify", "plain.png"], &dir);
    assert_eq!(
        code, 2,
        "an image with no badge cannot be read as one: {out}"
    );
    let (code, _, err) = run(&["verify", "missing-file.json"], &dir);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn verify_refuses_to_fetch_from_loopback_unless_allowed() {
    let dir = workdir("verify-net");
    let (code, out, _) = run(
        &["verify", "http://127.0.0.1:9/assertion.json", "--json"],
        &dir,
    );
    assert_ne!(code, 0);
    assert!(out.contains("loopback"), "the guard names why: {out}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_document_that_makes_the_json_ld_processor_panic_is_answered_quietly() {
    // Fuzzing found that percent-escapes that are not UTF-8 make the json-ld crate panic; the
    // inline context sends the document to that processor. The report says why it failed, and
    // standard error holds no panic message to alarm whoever reads the logs.
    let dir = workdir("panic-quietly");
    let credential = serde_json::json!({
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
            {"extra": "https://example.org/vocab#extra"}
        ],
        "id": "urn:uuid:9c7f5e4a-0d31-4f3e-a6b2-5c1d2e3f4a5b",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:%C5", "type": ["Profile"]},
        "validFrom": "2024-01-01T00:00:00Z",
        "credentialSubject": {"type": ["AchievementSubject"], "achievement": {
            "id": "urn:uuid:0c5b1c8e-1111-4a4a-9b9b-222233334444", "type": ["Achievement"],
            "name": "N", "criteria": {"narrative": "x"}
        }},
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2024-01-01T00:00:00Z",
            "verificationMethod": "did:key:z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7#z6MkneMkZqwqRiU5mJzSG3kDwzt9P8C59N4NGTfBLfSGE7c7",
            "proofPurpose": "assertionMethod",
            "proofValue": "z2rFqhDHtRasbhijnbXWairBHVysQLgvdXNGfCEZju5yN5JLisWNg1zMYkNgWBcRMJCG1FpLGDYZBmWZrZhc2QTvK"
        }
    });
    std::fs::write(dir.join("hostile.json"), credential.to_string()).expect("write");
    let (code, out, err) = run(&["verify", "hostile.json", "--json"], &dir);
    assert_eq!(code, 1, "not valid: {out}{err}");
    assert!(!err.contains("panicked"), "stderr: {err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert!(
        report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .any(|c| c["status"] == "fail"
                && c["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains("could not handle")),
        "{report:#}"
    );
}

#[test]
fn rotating_the_issuer_key_adds_a_private_key_file_and_keeps_the_old_one() {
    let dir = workdir("rotate");
    for expected in 1..=2 {
        let (code, out, err) = run(&["--data-dir", "data", "admin", "rotate-key"], &dir);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("mode 0600"), "{out}");
        let keys: Vec<_> = std::fs::read_dir(dir.join("data/keys"))
            .expect("keys directory")
            .flatten()
            .collect();
        assert_eq!(keys.len(), expected, "every key is kept");
        #[cfg(unix)]
        for key in &keys {
            use std::os::unix::fs::PermissionsExt;
            let mode = key.metadata().expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", key.path().display());
        }
    }
}
