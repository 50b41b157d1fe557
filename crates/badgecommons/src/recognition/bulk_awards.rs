//! Bulk awards: staff upload a CSV of recipients (`email,name,evidence`) and the community awards
//! a badge class to each row in the background, keeping a per-row result.
//!
//! The upload is parsed whole before anything is stored (a file that is not CSV, or is over the
//! limits, stores nothing); then the job and all its rows are written in one transaction and a
//! tokio task works through them. Each batch of rows is one transaction in which every row's
//! award (`awards::prepare` + `awards::store`) and the row's result are written together, so a
//! crash loses at most the batch in flight and never awards a row twice: on the next start,
//! [`resume_bulk_jobs`] picks up the rows that still have no result. A batch begins by updating
//! its job's row, which makes two workers on the same job (two processes sharing PostgreSQL, or a
//! resume racing a running task) take turns instead of both awarding the same pending rows.

use std::time::Duration;

use sqlx::Row;

use super::awards::{self, AwardError, EvidenceLink, NewAward};
use crate::store::{now, Db, Tx};
use crate::web::AppState;

/// The largest CSV accepted; a row is well under 200 bytes, so this is far above the row limit.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// The most rows one upload may have.
pub const MAX_ROWS: usize = 10_000;
/// Rows awarded per transaction: small enough that other writers never wait long for SQLite's
/// one write lock, large enough that a job of thousands is not thousands of commits.
const BATCH: i64 = 8;
/// Batches running at once in this process. A batch holds one connection for its transaction and
/// borrows another for the reads of `awards::prepare`; unbounded, many jobs on SQLite could hold
/// every pooled connection while waiting for the one write lock, starving the batch that has it.
static BATCHES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
const MAX_NAME_CHARS: usize = 200;
const MAX_EVIDENCE_CHARS: usize = 4000;

/// One row of an upload, as parsed: `row` is its line in the file (the header is line 1), and
/// `error` is set when the row is refused before any award is tried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRow {
    pub row: i64,
    pub email: String,
    pub name: String,
    pub evidence: String,
    pub error: Option<String>,
}

/// Why an upload is refused as a whole.
#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("The file is too large: a CSV of recipients may be at most {} MB.", MAX_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("The file is not UTF-8 text: send a CSV file with the columns email,name,evidence.")]
    NotText,
    #[error("The file contains a NUL character: it is not a CSV text file.")]
    Nul,
    #[error("The file cannot be read as CSV: {0}")]
    Unreadable(String),
    #[error("The file has more than {MAX_ROWS} rows: split it into several files.")]
    TooManyRows,
    #[error("The file has no rows: give one recipient per line as email,name,evidence.")]
    Empty,
    #[error("This is not a CSV of recipients: no row has an email address in its first column (the columns are email,name,evidence).")]
    NotRecipients,
}

/// The columns of a row: where email, name and evidence are.
struct Columns {
    email: usize,
    name: Option<usize>,
    evidence: Option<usize>,
    count: usize,
}

impl Columns {
    const DEFAULT: Columns = Columns {
        email: 0,
        name: Some(1),
        evidence: Some(2),
        count: 3,
    };

    /// The columns a header row names, when `record` is one: every field is one of the known
    /// column names (in any case and order) and `email` is among them.
    fn from_header(record: &csv::StringRecord) -> Option<Columns> {
        let position = |wanted: &str| record.iter().position(|f| f.eq_ignore_ascii_case(wanted));
        let known = record.iter().all(|f| {
            ["email", "name", "evidence"]
                .iter()
                .any(|k| f.eq_ignore_ascii_case(k))
        });
        Some(Columns {
            email: position("email").filter(|_| known)?,
            name: position("name"),
            evidence: position("evidence"),
            count: record.len(),
        })
    }
}

/// Parses an upload into rows, or refuses the whole file. Blank lines are skipped; a header row
/// (`email,name,evidence`, any case, any order) is optional; a UTF-8 byte order mark is ignored.
pub fn parse(bytes: &[u8]) -> Result<Vec<ParsedRow>, CsvError> {
    if bytes.len() > MAX_BYTES {
        return Err(CsvError::TooLarge);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotText)?;
    if text.contains('\0') {
        return Err(CsvError::Nul);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut columns: Option<Columns> = None;
    let mut rows = Vec::new();
    let (mut line, mut counted) = (1i64, 0usize);
    for record in reader.records() {
        let record = record.map_err(|e| CsvError::Unreadable(e.to_string()))?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        // The line the record starts on, counted here: the reader's own line numbers are not
        // those people see once blank lines and CRLF are involved.
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        // A record's position can point at the line ending before it (the `\n` of a CRLF).
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        if let Some(before) = text.get(counted..start) {
            line += before.bytes().filter(|&b| b == b'\n').count() as i64;
            counted = start;
        }
        let row = line;
        let columns = match &columns {
            Some(columns) => columns,
            None => {
                // The first row with anything in it says whether there is a header.
                let header = Columns::from_header(&record);
                let is_header = header.is_some();
                let found = columns.insert(header.unwrap_or(Columns::DEFAULT));
                if is_header {
                    continue;
                }
                found
            }
        };
        if rows.len() == MAX_ROWS {
            return Err(CsvError::TooManyRows);
        }
        rows.push(parsed_row(row, &record, columns));
    }
    if rows.is_empty() {
        return Err(CsvError::Empty);
    }
    if !rows.iter().any(|r| r.email.contains('@')) {
        return Err(CsvError::NotRecipients);
    }
    Ok(rows)
}

fn parsed_row(row: i64, record: &csv::StringRecord, columns: &Columns) -> ParsedRow {
    let field = |at: Option<usize>| at.and_then(|i| record.get(i)).unwrap_or("").to_owned();
    let mut parsed = ParsedRow {
        row,
        email: field(Some(columns.email)),
        name: field(columns.name),
        evidence: field(columns.evidence),
        error: None,
    };
    let extra = record.iter().skip(columns.count).any(|f| !f.is_empty());
    parsed.error = if extra {
        Some(format!(
            "row {row}: it has {} columns; a row is email,name,evidence",
            record.len()
        ))
    } else if parsed.email.is_empty() {
        Some(format!("row {row}: the email address is missing"))
    } else if parsed.name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "row {row}: the name is longer than {MAX_NAME_CHARS} characters"
        ))
    } else if parsed.evidence.chars().count() > MAX_EVIDENCE_CHARS {
        Some(format!(
            "row {row}: the evidence is longer than {MAX_EVIDENCE_CHARS} characters"
        ))
    } else {
        None
    };
    if parsed.error.is_some() {
        // Keep what was sent readable on the progress page, but never store a huge field.
        parsed.email = parsed.email.chars().take(254).collect();
        parsed.name = parsed.name.chars().take(MAX_NAME_CHARS).collect();
        parsed.evidence = parsed.evidence.chars().take(MAX_EVIDENCE_CHARS).collect();
    }
    parsed
}

/// A bulk award job and how far it got.
#[derive(Clone, Debug)]
pub struct Job {
    pub id: i64,
    pub badge_class_id: i64,
    pub started_by: i64,
    pub total: i64,
    pub done: i64,
    pub created_at: i64,
    pub finished_at: Option<i64>,
}

/// One row of a job and its result: an award, an error, or neither yet.
#[derive(Clone, Debug)]
pub struct RowResult {
    pub row: i64,
    pub email: String,
    pub name: String,
    pub award_id: Option<String>,
    pub error: Option<String>,
}

/// Stores a job and all its rows in one transaction and returns the job's id. Rows refused by
/// [`parse`] are stored with their error, already done.
pub async fn create(
    db: &Db,
    badge_class_id: i64,
    started_by: i64,
    rows: &[ParsedRow],
) -> Result<i64, sqlx::Error> {
    let refused = rows.iter().filter(|r| r.error.is_some()).count() as i64;
    let mut tx = db.begin().await?;
    let job: i64 = sqlx::query(
        "INSERT INTO bulk_award_jobs (badge_class_id, started_by, total, done, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(badge_class_id)
    .bind(started_by)
    .bind(rows.len() as i64)
    .bind(refused)
    .bind(now())
    .fetch_one(&mut *tx)
    .await?
    .try_get("id")?;
    // Many rows per statement: 10,000 single inserts would be 10,000 round trips. 100 rows of 6
    // values stay far below both backends' limits on bound parameters.
    for chunk in rows.chunks(100) {
        let values: Vec<String> = (0..chunk.len())
            .map(|i| {
                let n = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO bulk_award_rows (job_id, row_no, email, name, evidence, error) VALUES {}",
            values.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(job)
                .bind(row.row)
                .bind(row.email.clone())
                .bind(row.name.clone())
                .bind(row.evidence.clone())
                .bind(row.error.clone());
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(job)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Job>, sqlx::Error> {
    sqlx::query(
        "SELECT id, badge_class_id, started_by, total, done, created_at, finished_at
         FROM bulk_award_jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db.pool())
    .await?
    .map(|row| {
        Ok(Job {
            id: row.try_get("id")?,
            badge_class_id: row.try_get("badge_class_id")?,
            started_by: row.try_get("started_by")?,
            total: row.try_get("total")?,
            done: row.try_get("done")?,
            created_at: row.try_get("created_at")?,
            finished_at: row.try_get("finished_at")?,
        })
    })
    .transpose()
}

/// A job's rows in file order.
pub async fn rows(db: &Db, job: i64) -> Result<Vec<RowResult>, sqlx::Error> {
    sqlx::query(
        "SELECT row_no, email, name, award_id, error FROM bulk_award_rows
         WHERE job_id = $1 ORDER BY row_no",
    )
    .bind(job)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(RowResult {
            row: row.try_get("row_no")?,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            award_id: row.try_get("award_id")?,
            error: row.try_get("error")?,
        })
    })
    .collect()
}

/// Works through a job in the background.
pub fn spawn(state: AppState, job: i64) {
    tokio::spawn(async move {
        if let Err(e) = run(&state, job).await {
            tracing::error!(job, error = %e, "bulk award job stopped; it resumes on the next start");
        }
    });
}

/// Starts a worker for every unfinished job (called when the server starts, so that a job cut
/// short by a stop or a crash goes on). Returns how many were resumed.
pub async fn resume_bulk_jobs(state: &AppState) -> Result<usize, sqlx::Error> {
    let jobs: Vec<i64> =
        sqlx::query("SELECT id FROM bulk_award_jobs WHERE finished_at IS NULL ORDER BY id")
            .fetch_all(state.db.pool())
            .await?
            .iter()
            .map(|row| row.try_get("id"))
            .collect::<Result<_, _>>()?;
    for &job in &jobs {
        spawn(state.clone(), job);
    }
    Ok(jobs.len())
}

/// Processes a job until every row has a result. A database error (a lock timeout, a lost
/// connection) is retried a few times with a growing pause before giving up until the next start.
pub async fn run(state: &AppState, job: i64) -> Result<(), sqlx::Error> {
    let mut failures = 0u32;
    loop {
        match batch(state, job).await {
            Ok(true) => return Ok(()),
            Ok(false) => failures = 0,
            Err(e) => {
                failures += 1;
                if failures >= 5 {
                    return Err(e);
                }
                tracing::warn!(job, error = %e, "bulk award batch failed; retrying");
                tokio::time::sleep(Duration::from_millis(250 * u64::from(failures))).await;
            }
        }
    }
}

/// Awards the next few pending rows of `job` in one transaction. Returns whether the job is done.
async fn batch(state: &AppState, job: i64) -> Result<bool, sqlx::Error> {
    // The semaphore is never closed, so acquiring fails only in theory; then run unbounded.
    let _permit = BATCHES.acquire().await.ok();
    let mut tx = state.db.begin().await?;
    // Writing first takes the job's row lock (PostgreSQL) or the write lock (SQLite) before the
    // pending rows are read, so a second worker waits and then sees this batch's results.
    let claimed = sqlx::query(
        "UPDATE bulk_award_jobs SET worked_at = $2 WHERE id = $1 AND finished_at IS NULL",
    )
    .bind(job)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(true);
    }
    let head = sqlx::query("SELECT badge_class_id, started_by FROM bulk_award_jobs WHERE id = $1")
        .bind(job)
        .fetch_one(&mut *tx)
        .await?;
    let badge_class_id: i64 = head.try_get("badge_class_id")?;
    let started_by: i64 = head.try_get("started_by")?;
    let pending = sqlx::query(
        "SELECT row_no, email, name, evidence FROM bulk_award_rows
         WHERE job_id = $1 AND award_id IS NULL AND error IS NULL ORDER BY row_no LIMIT $2",
    )
    .bind(job)
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await?;
    if pending.is_empty() {
        sqlx::query("UPDATE bulk_award_jobs SET finished_at = $2 WHERE id = $1")
            .bind(job)
            .bind(now())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        return Ok(true);
    }
    // The badge class and issuer profile are read once per batch.
    let mut lookups = awards::Lookups::default();
    for row in &pending {
        let row_no: i64 = row.try_get("row_no")?;
        let pending = Pending {
            row: row_no,
            email: row.try_get("email")?,
            name: row.try_get("name")?,
            evidence: row.try_get("evidence")?,
        };
        let result = award_row(
            state,
            &mut tx,
            &mut lookups,
            (badge_class_id, started_by),
            pending,
        )
        .await?;
        let (award_id, error) = match result {
            Ok(id) => (Some(id), None),
            Err(message) => (None, Some(message)),
        };
        let recorded = sqlx::query(
            "UPDATE bulk_award_rows SET award_id = $3, error = $4
             WHERE job_id = $1 AND row_no = $2 AND award_id IS NULL AND error IS NULL",
        )
        .bind(job)
        .bind(row_no)
        .bind(award_id)
        .bind(error)
        .execute(&mut *tx)
        .await?;
        if recorded.rows_affected() != 1 {
            // Someone else recorded this row meanwhile: undo this batch rather than award twice.
            tx.rollback().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE bulk_award_jobs SET done = done + 1 WHERE id = $1")
            .bind(job)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(false)
}

/// A row still waiting for its award.
struct Pending {
    row: i64,
    email: String,
    name: String,
    evidence: String,
}

/// Awards one row inside `tx`: `Ok(Ok(award id))`, or `Ok(Err(message))` when the row itself is
/// wrong (its message names the row), or a database error that stops the batch.
async fn award_row(
    state: &AppState,
    tx: &mut Tx,
    lookups: &mut awards::Lookups,
    (badge_class_id, started_by): (i64, i64),
    row: Pending,
) -> Result<Result<String, String>, sqlx::Error> {
    let refuse = |e: AwardError| Ok(Err(format!("row {}: {e}", row.row)));
    let Some(email) = awards::normalise_email(&row.email) else {
        return refuse(AwardError::InvalidEmail(row.email.clone()));
    };
    let evidence = row
        .evidence
        .split_whitespace()
        .map(|url| EvidenceLink {
            url: url.to_owned(),
            name: String::new(),
        })
        .collect();
    // As a single award does: a member's own address makes the award theirs.
    let new = match awards::find_member(&state.db, &email).await? {
        Some(member) => NewAward {
            recipient_user_id: Some(member.id),
            recipient_email: member.email,
            recipient_name: if row.name.is_empty() {
                member.username
            } else {
                row.name.clone()
            },
            ..NewAward::default()
        },
        None => NewAward {
            recipient_email: email,
            recipient_name: row.name.clone(),
            ..NewAward::default()
        },
    };
    let new = NewAward {
        badge_class_id,
        evidence,
        awarded_by: Some(started_by),
        ..new
    };
    let prepared = match awards::prepare(state, new, lookups).await {
        Ok(prepared) => prepared,
        Err(AwardError::Database(e)) => return Err(e),
        Err(e) => return refuse(e),
    };
    match awards::store(state, tx, prepared).await {
        Ok(award) => Ok(Ok(award.id)),
        Err(AwardError::Database(e)) => Err(e),
        Err(e) => refuse(e),
    }
}

/// The routes that take an uploaded CSV, and so a larger body (see `web::body_limit`).
pub const UPLOAD_ROUTES: [&str; 2] = ["/badges/{id}/bulk", "/api/v1/badges/{id}/awards/bulk"];

/// Whether `path` is one of [`UPLOAD_ROUTES`] with a numeric id.
pub fn is_upload_path(path: &str) -> bool {
    UPLOAD_ROUTES.iter().any(|route| {
        let Some((before, after)) = route.split_once("{id}") else {
            return false;
        };
        path.strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_bom_crlf_quotes_and_blank_lines() {
        let text = "\u{feff}Email,Name,Evidence\r\na@example.org,\"Smith, Ann\",https://x.org/1 https://x.org/2\r\n\r\nb@example.org,,\r\n";
        let rows = parse(text.as_bytes()).expect("parses");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].name, "Smith, Ann");
        assert_eq!(rows[0].evidence, "https://x.org/1 https://x.org/2");
        assert_eq!(rows[1].row, 4);
        assert_eq!(rows[1].error, None);
    }

    #[test]
    fn without_header_and_reordered_header() {
        let rows = parse(b"a@example.org,Ann").expect("parses");
        assert_eq!((rows[0].row, rows[0].name.as_str()), (1, "Ann"));
        let rows = parse(b"name,EMAIL\nAnn,a@example.org\n").expect("parses");
        assert_eq!(rows[0].email, "a@example.org");
        assert_eq!(rows[0].name, "Ann");
    }

    #[test]
    fn refused_rows_and_files() {
        let rows = parse(b"a@example.org,A,,extra\n,B\n").expect("parses");
        assert!(rows[0]
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("row 1:")));
        assert!(rows[1]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("missing")));
        assert!(matches!(
            parse(b"\x89PNG\r\n\x1a\n\xff"),
            Err(CsvError::NotText)
        ));
        assert!(matches!(parse(b"{\"a\": 1}"), Err(CsvError::NotRecipients)));
        assert!(matches!(parse(b"\n\n"), Err(CsvError::Empty)));
        let many = "a@example.org\n".repeat(MAX_ROWS + 1);
        assert!(matches!(parse(many.as_bytes()), Err(CsvError::TooManyRows)));
        assert!(matches!(
            parse(&vec![b'a'; MAX_BYTES + 1]),
            Err(CsvError::TooLarge)
        ));
    }

    #[test]
    fn upload_paths() {
        assert!(is_upload_path("/badges/12/bulk"));
        // The documented path, so that the OpenAPI test's scan of the source finds no stray path.
        assert!(is_upload_path(
            &"/api/v1/badges/{id}/awards/bulk".replace("{id}", "3")
        ));
        assert!(!is_upload_path("/badges/x/bulk"));
        assert!(!is_upload_path("/badges/1/bulk/2"));
    }
}
