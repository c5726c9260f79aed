//! Checking a published prize draw: the document served at `/draws/{survey_id}.json` is read
//! from a file or a URL, and everything it claims is recomputed from its own inputs. This is
//! what `hearken draw verify` runs, so a respondent or an auditor needs nothing from the server
//! but the document.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::algorithm::{self, ALGORITHM, Entry};

/// The public draw document; fields the server adds later are ignored.
#[derive(Debug, Clone, Deserialize)]
pub struct Document {
    pub survey_id: String,
    pub algorithm: String,
    pub commitment: String,
    pub status: String,
    pub winners_wanted: usize,
    #[serde(default)]
    pub entrants: Vec<DocumentEntry>,
    #[serde(default)]
    pub seed: Option<String>,
    #[serde(default)]
    pub beacon_value: Option<String>,
    #[serde(default)]
    pub entrants_digest: Option<String>,
    #[serde(default)]
    pub winners: Option<Vec<u64>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DocumentEntry {
    pub ticket: u64,
    pub receipt: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckKind {
    Algorithm,
    Status,
    Commitment,
    EntrantsDigest,
    Winners,
}

impl CheckKind {
    fn label(self) -> &'static str {
        match self {
            CheckKind::Algorithm => "algorithm is hearken-draw-v1",
            CheckKind::Status => "status is drawn",
            CheckKind::Commitment => "commitment = SHA-256(seed)",
            CheckKind::EntrantsDigest => "entrants digest",
            CheckKind::Winners => "winners, in order",
        }
    }
}

/// One claim of the document beside what the verifier computed or requires for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub kind: CheckKind,
    pub passed: bool,
    pub published: String,
    pub expected: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub survey_id: String,
    pub entrants: usize,
    pub checks: Vec<Check>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|check| check.passed)
    }

    pub fn check(&self, kind: CheckKind) -> Option<&Check> {
        self.checks.iter().find(|check| check.kind == kind)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Prize draw of survey {} ({} entrants)",
            self.survey_id, self.entrants
        )?;
        for check in &self.checks {
            let mark = if check.passed { "ok  " } else { "FAIL" };
            writeln!(f, "[{mark}] {}", check.kind.label())?;
            writeln!(f, "       published:  {}", check.published)?;
            writeln!(f, "       recomputed: {}", check.expected)?;
        }
        if self.ok() {
            writeln!(
                f,
                "Everything matches: these winners follow from the committed seed, the listed entrants and the beacon value."
            )
        } else {
            writeln!(f, "The draw does NOT verify: see the checks marked FAIL.")
        }
    }
}

const MISSING: &str = "(not published)";

/// Recomputes everything the document claims. The winners are drawn from the recomputed digest,
/// not the published one, so a list of entrants that differs from the one drawn fails too.
pub fn verify(doc: &Document) -> Report {
    let mut checks = Vec::with_capacity(5);
    checks.push(Check {
        kind: CheckKind::Algorithm,
        passed: doc.algorithm == ALGORITHM,
        published: doc.algorithm.clone(),
        expected: ALGORITHM.to_string(),
    });
    checks.push(Check {
        kind: CheckKind::Status,
        passed: doc.status == "drawn",
        published: doc.status.clone(),
        expected: "drawn".to_string(),
    });

    let seed = doc.seed.as_deref().map(algorithm::parse_hex32);
    let (commitment, seed) = match seed {
        None => ("no seed published".to_string(), None),
        Some(None) => (
            "the seed is not 64 lowercase hex characters".to_string(),
            None,
        ),
        Some(Some(seed)) => (algorithm::commitment(&seed), Some(seed)),
    };
    checks.push(Check {
        kind: CheckKind::Commitment,
        passed: seed.is_some() && commitment == doc.commitment,
        published: doc.commitment.clone(),
        expected: commitment,
    });

    let entries: Vec<Entry> = doc
        .entrants
        .iter()
        .map(|entry| Entry {
            ticket: entry.ticket,
            receipt: entry.receipt.clone(),
        })
        .collect();
    let digest = algorithm::entrants_digest(&entries);
    checks.push(Check {
        kind: CheckKind::EntrantsDigest,
        passed: doc.entrants_digest.as_deref() == Some(digest.as_str()),
        published: doc
            .entrants_digest
            .clone()
            .unwrap_or_else(|| MISSING.into()),
        expected: digest,
    });

    let published_winners = match &doc.winners {
        Some(winners) => format!("{winners:?}"),
        None => MISSING.to_string(),
    };
    let (passed, expected) = match seed {
        Some(seed) => {
            let beacon = doc.beacon_value.as_deref().unwrap_or("");
            let outcome =
                algorithm::draw(&seed, &doc.survey_id, &entries, beacon, doc.winners_wanted);
            (
                doc.winners.as_ref() == Some(&outcome.winners),
                format!("{:?}", outcome.winners),
            )
        }
        None => (false, "cannot be recomputed without the seed".to_string()),
    };
    checks.push(Check {
        kind: CheckKind::Winners,
        passed,
        published: published_winners,
        expected,
    });

    Report {
        survey_id: doc.survey_id.clone(),
        entrants: doc.entrants.len(),
        checks,
    }
}

pub fn parse(text: &str) -> Result<Document, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|e| format!("not a draw document: {e}"))
}

/// A draw of a large survey lists every entrant; the cap only stops an endless response.
const MAX_DOCUMENT_BYTES: u64 = 512 * 1024 * 1024;
const FETCH_TIMEOUT: Duration = Duration::from_secs(120);

/// The document's text from an `http://` or `https://` URL, or else from a local file.
pub fn load(source: &str) -> Result<String, String> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(FETCH_TIMEOUT))
            .build()
            .into();
        let mut response = agent
            .get(source)
            .call()
            .map_err(|e| format!("cannot fetch {source}: {e}"))?;
        response
            .body_mut()
            .with_config()
            .limit(MAX_DOCUMENT_BYTES)
            .read_to_string()
            .map_err(|e| format!("cannot read the response from {source}: {e}"))
    } else {
        std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"))
    }
}

/// Loads, parses and verifies. `Err` means the document could not be had at all, which callers
/// keep apart from a document that was read but does not verify.
pub fn check_source(source: &str) -> Result<Report, String> {
    let text = load(source)?;
    let doc = parse(&text)?;
    Ok(verify(&doc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incentive::algorithm::test_vector;

    fn document() -> serde_json::Value {
        let entrants: Vec<serde_json::Value> = test_vector::entries()
            .iter()
            .map(|entry| serde_json::json!({"ticket": entry.ticket, "receipt": entry.receipt}))
            .collect();
        serde_json::json!({
            "survey_id": test_vector::SURVEY_ID,
            "algorithm": "hearken-draw-v1",
            "commitment": test_vector::COMMITMENT,
            "status": "drawn",
            "winners_wanted": test_vector::WANTED,
            "entrants": entrants,
            "seed": algorithm::to_hex(&test_vector::seed()),
            "beacon_value": test_vector::BEACON,
            "entrants_digest": test_vector::DIGEST,
            "winners": test_vector::WINNERS,
        })
    }

    fn report(doc: &serde_json::Value) -> Report {
        match parse(&doc.to_string()) {
            Ok(doc) => verify(&doc),
            Err(e) => panic!("{e}"),
        }
    }

    fn failed(report: &Report) -> Vec<CheckKind> {
        report
            .checks
            .iter()
            .filter(|check| !check.passed)
            .map(|check| check.kind)
            .collect()
    }

    #[test]
    fn the_test_vector_document_verifies() {
        let report = report(&document());
        assert!(report.ok(), "{report}");
        assert_eq!(report.checks.len(), 5);
        let text = report.to_string();
        assert!(text.contains("[5, 1]"), "{text}");
        assert!(text.contains("Everything matches"), "{text}");
    }

    #[test]
    fn a_changed_receipt_fails_the_digest() {
        let mut doc = document();
        doc["entrants"][2]["receipt"] = "5e9d8c7b6a5948372615f4e3d2c1b0aa".into();
        let report = report(&doc);
        assert!(!report.ok());
        let failed = failed(&report);
        assert!(failed.contains(&CheckKind::EntrantsDigest), "{report}");
        assert!(!failed.contains(&CheckKind::Commitment), "{report}");
        assert!(report.to_string().contains("does NOT verify"));
    }

    #[test]
    fn a_dropped_entrant_fails_the_digest() {
        let mut doc = document();
        if let Some(entrants) = doc["entrants"].as_array_mut() {
            entrants.pop();
        }
        assert!(failed(&report(&doc)).contains(&CheckKind::EntrantsDigest));
    }

    #[test]
    fn a_changed_winner_fails_only_the_winners() {
        let mut doc = document();
        doc["winners"] = serde_json::json!([5, 2]);
        assert_eq!(failed(&report(&doc)), [CheckKind::Winners]);
        doc["winners"] = serde_json::json!([1, 5]);
        assert_eq!(failed(&report(&doc)), [CheckKind::Winners]);
    }

    #[test]
    fn a_changed_seed_fails_the_commitment() {
        let mut seed = test_vector::seed();
        seed[31] ^= 1;
        let mut doc = document();
        doc["seed"] = algorithm::to_hex(&seed).into();
        let failed = failed(&report(&doc));
        assert!(failed.contains(&CheckKind::Commitment), "{failed:?}");
        assert!(!failed.contains(&CheckKind::EntrantsDigest), "{failed:?}");
    }

    #[test]
    fn a_changed_beacon_fails_the_winners() {
        let mut doc = document();
        doc["beacon_value"] = "43".into();
        assert_eq!(failed(&report(&doc)), [CheckKind::Winners]);
    }

    #[test]
    fn a_pending_draw_does_not_verify() {
        let doc = serde_json::json!({
            "survey_id": "svy-pending",
            "algorithm": "hearken-draw-v1",
            "commitment": test_vector::COMMITMENT,
            "status": "pending",
            "winners_wanted": 1,
            "entrants": [],
        });
        let report = report(&doc);
        assert_eq!(
            failed(&report),
            [
                CheckKind::Status,
                CheckKind::Commitment,
                CheckKind::EntrantsDigest,
                CheckKind::Winners
            ]
        );
        assert!(report.to_string().contains(MISSING));
    }

    #[test]
    fn another_algorithm_or_a_malformed_seed_fails() {
        let mut doc = document();
        doc["algorithm"] = "hearken-draw-v2".into();
        doc["seed"] = algorithm::to_hex(&test_vector::seed())
            .to_uppercase()
            .into();
        assert_eq!(
            failed(&report(&doc)),
            [
                CheckKind::Algorithm,
                CheckKind::Commitment,
                CheckKind::Winners
            ]
        );
    }

    #[test]
    fn something_else_than_a_draw_document_is_an_error() {
        assert!(parse("{\"survey_id\": \"x\"}").is_err());
        assert!(parse("not json").is_err());
        assert!(load("/nonexistent/draw.json").is_err());
    }

    #[test]
    fn loads_a_file_and_a_url() {
        use std::io::{Read, Write};

        let body = document().to_string();
        let mut file = match tempfile::NamedTempFile::new() {
            Ok(file) => file,
            Err(e) => panic!("{e}"),
        };
        assert!(file.write_all(body.as_bytes()).is_ok());
        let path = file.path().to_string_lossy().into_owned();
        assert!(check_source(&path).is_ok_and(|report| report.ok()));

        let listener = match std::net::TcpListener::bind("127.0.0.1:0") {
            Ok(listener) => listener,
            Err(e) => panic!("{e}"),
        };
        let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
        let served = body.clone();
        let server = std::thread::spawn(move || {
            if let Ok((mut stream, _)) = listener.accept() {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request);
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    served.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(served.as_bytes());
            }
        });
        let url = format!(
            "http://127.0.0.1:{port}/draws/{}.json",
            test_vector::SURVEY_ID
        );
        assert_eq!(load(&url), Ok(body));
        assert!(server.join().is_ok());
    }

    /// The Python snippet published for respondents must agree with this implementation.
    #[test]
    fn the_published_python_verifier_agrees() {
        use std::io::Write;
        use std::process::Command;

        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/src/incentive/verify_draw.py");
        let run = |doc: &serde_json::Value| {
            let mut file = match tempfile::NamedTempFile::new() {
                Ok(file) => file,
                Err(e) => panic!("{e}"),
            };
            assert!(file.write_all(doc.to_string().as_bytes()).is_ok());
            Command::new("python3")
                .arg(script)
                .arg(file.path())
                .output()
        };
        let output = match run(&document()) {
            Ok(output) => output,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                eprintln!("python3 is not installed: the Python verifier was not run");
                return;
            }
            Err(e) => panic!("cannot run python3: {e}"),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.contains(test_vector::DIGEST), "{stdout}");
        assert!(stdout.contains("winners: [5, 1]"), "{stdout}");
        assert!(stdout.contains("all match"), "{stdout}");

        let mut tampered = document();
        tampered["winners"] = serde_json::json!([5, 2]);
        let output = match run(&tampered) {
            Ok(output) => output,
            Err(e) => panic!("cannot run python3: {e}"),
        };
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(!output.status.success(), "{stdout}");
        assert!(stdout.contains("MISMATCH"), "{stdout}");
    }
}
