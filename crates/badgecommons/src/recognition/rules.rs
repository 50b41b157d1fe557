//! Award rules: admins say "give this badge to every member who ...", and the community awards it
//! automatically, once per member and rule.
//!
//! A rule is data (`award_rules`): a badge class, a [`Kind`] of deed and a threshold. Whether a
//! member qualifies is always decided by counting in the database ([`progress`]), never by
//! keeping counters, so that the same check serves three callers:
//! - events: after a post is stored ([`after_post`], called by `forum::posting` and post approval)
//!   and after a thanks ([`after_thanks`], called by `forum::thanks`);
//! - a back-fill of every existing member when a rule is created ([`spawn_backfill`]);
//! - a pass over every rule when the server starts, then an hourly one for the rules that time
//!   alone fulfils, `member_days` ([`spawn_periodic`]).
//!
//! Two features that do not exist yet will call their own hooks: the planet calls
//! [`after_personal_site_connected`] when a member connects their site, decisions call
//! [`after_decision_participation`] when a member votes or takes part; each must also fill in its
//! count in [`progress`] (both count zero until then, so their rules can be made but never fire).
//!
//! "Never twice": a unique index on `awards(rule_id, recipient_user_id)` is the guarantee; before
//! it, each award by a rule first locks the rule's row (an UPDATE, which also takes SQLite's write
//! lock) and then looks for an earlier award in the same transaction, so concurrent evaluations of
//! one member queue and the later one finds the award already made.

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use sqlx::Row;

use super::awards::{self, Award, AwardError, NewAward};
use super::badge_classes;
use crate::store::{is_unique_violation, now, Db, Row as AnyRow, DAY_MS};
use crate::web::AppState;

/// What a rule counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The member wrote their first (visible) post.
    FirstPost,
    /// The member wrote `threshold` replies.
    Replies,
    /// A topic the member started reached `threshold` replies.
    TopicReplies,
    /// The member's posts received `threshold` thanks.
    ThanksReceived,
    /// The member has been a member for `threshold` days.
    MemberDays,
    /// The member connected their personal site (the planet will fire it).
    PersonalSite,
    /// The member took part in `threshold` decisions (decisions will fire it).
    Decision,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::FirstPost,
        Kind::Replies,
        Kind::TopicReplies,
        Kind::ThanksReceived,
        Kind::MemberDays,
        Kind::PersonalSite,
        Kind::Decision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FirstPost => "first_post",
            Kind::Replies => "replies",
            Kind::TopicReplies => "topic_replies",
            Kind::ThanksReceived => "thanks_received",
            Kind::MemberDays => "member_days",
            Kind::PersonalSite => "personal_site",
            Kind::Decision => "decision",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str() == text.trim().to_ascii_lowercase())
    }

    /// How the admin page names it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::FirstPost => "First post",
            Kind::Replies => "Replies written (N)",
            Kind::TopicReplies => "A topic they started reached N replies",
            Kind::ThanksReceived => "Thanks received (N)",
            Kind::MemberDays => "Member for N days",
            Kind::PersonalSite => "Connected a personal site (with the planet)",
            Kind::Decision => "Took part in N decisions (with decisions)",
        }
    }

    /// Whether the threshold means something (the other kinds happen once: threshold 1).
    pub fn counted(self) -> bool {
        !matches!(self, Kind::FirstPost | Kind::PersonalSite)
    }

    /// Whether something can fulfil it yet: the planet and decisions do not exist so far.
    pub fn fires(self) -> bool {
        !matches!(self, Kind::PersonalSite | Kind::Decision)
    }

    /// What a member did, completing "Members who ...".
    pub fn deed(self, threshold: i64) -> String {
        let n = threshold;
        let s = |one: &str, many: &str| if n == 1 { one } else { many }.to_owned();
        match self {
            Kind::FirstPost => "wrote their first post".to_owned(),
            Kind::Replies => format!("wrote {n} {}", s("reply", "replies")),
            Kind::TopicReplies => {
                format!("started a topic that reached {n} {}", s("reply", "replies"))
            }
            Kind::ThanksReceived => format!("received {n} thanks for their posts"),
            Kind::MemberDays => format!("have been a member for {n} {}", s("day", "days")),
            Kind::PersonalSite => "connected their personal site".to_owned(),
            Kind::Decision => {
                format!("took part in {n} community {}", s("decision", "decisions"))
            }
        }
    }

    /// The award's narrative: why the member got it.
    pub fn narrative(self, threshold: i64) -> String {
        let deed = match self {
            // Said of one member ("has been"), where `deed` speaks of members ("have been").
            Kind::MemberDays => format!(
                "has been a member for {threshold} {}",
                if threshold == 1 { "day" } else { "days" }
            ),
            _ => self.deed(threshold),
        };
        format!("Awarded automatically: {deed}.")
    }
}

/// The largest threshold accepted: beyond it a rule could never fire in practice.
pub const MAX_THRESHOLD: i64 = 1_000_000;

/// A rule as stored, with its badge's name and how many awards it made.
#[derive(Clone, Debug)]
pub struct Rule {
    pub id: i64,
    pub badge_class_id: i64,
    pub badge_name: String,
    pub kind: Kind,
    pub threshold: i64,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    pub awards: i64,
}

impl Rule {
    /// "Members who wrote 5 replies".
    pub fn description(&self) -> String {
        format!("Members who {}", self.kind.deed(self.threshold))
    }

    pub fn enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// The input names the problem (an unknown kind, a bad threshold, no such badge class).
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Award(#[from] AwardError),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

const SELECT: &str = "SELECT r.id, r.badge_class_id, b.name AS badge_name, r.kind, r.threshold,
        r.created_by, r.created_at, r.disabled_at,
        (SELECT COUNT(*) FROM awards a WHERE a.rule_id = r.id) AS awards
    FROM award_rules r JOIN badge_classes b ON b.id = r.badge_class_id";

/// A row whose kind this binary does not know (written by a newer version) is skipped.
fn from_row(row: &AnyRow) -> Result<Option<Rule>, sqlx::Error> {
    let kind: String = row.try_get("kind")?;
    let Some(kind) = Kind::parse(&kind) else {
        return Ok(None);
    };
    Ok(Some(Rule {
        id: row.try_get("id")?,
        badge_class_id: row.try_get("badge_class_id")?,
        badge_name: row.try_get("badge_name")?,
        kind,
        threshold: row.try_get("threshold")?,
        created_by: row.try_get("created_by")?,
        created_at: row.try_get("created_at")?,
        disabled_at: row.try_get("disabled_at")?,
        awards: row.try_get("awards")?,
    }))
}

async fn fetch(db: &Db, filter: &str, id: Option<i64>) -> Result<Vec<Rule>, sqlx::Error> {
    let sql = format!("{SELECT} {filter} ORDER BY r.id DESC");
    let mut query = sqlx::query(&sql);
    if let Some(id) = id {
        query = query.bind(id);
    }
    let rows = query.fetch_all(db.pool()).await?;
    let mut rules = Vec::with_capacity(rows.len());
    for row in &rows {
        rules.extend(from_row(row)?);
    }
    Ok(rules)
}

/// Every rule, newest first.
pub async fn list(db: &Db) -> Result<Vec<Rule>, sqlx::Error> {
    fetch(db, "", None).await
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Rule>, sqlx::Error> {
    Ok(fetch(db, "WHERE r.id = $1", Some(id)).await?.pop())
}

async fn enabled(db: &Db) -> Result<Vec<Rule>, sqlx::Error> {
    fetch(db, "WHERE r.disabled_at IS NULL", None).await
}

/// Checks a new rule's fields: the kind, its threshold (1 for kinds that happen once, when not
/// given) and the badge class.
pub async fn check(
    db: &Db,
    badge_class_id: i64,
    kind: &str,
    threshold: Option<i64>,
) -> Result<(Kind, i64), RuleError> {
    let kind = Kind::parse(kind).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        RuleError::Invalid(format!(
            "Unknown rule kind {kind:?}: use one of {}.",
            known.join(", ")
        ))
    })?;
    let threshold = match (kind.counted(), threshold) {
        (false, None | Some(1)) => 1,
        (false, Some(other)) => {
            return Err(RuleError::Invalid(format!(
                "A {} rule has no threshold (it happens once); leave it empty or 1, not {other}.",
                kind.as_str()
            )))
        }
        (true, None) => {
            return Err(RuleError::Invalid(format!(
                "A {} rule needs a threshold: how many?",
                kind.as_str()
            )))
        }
        (true, Some(n)) if (1..=MAX_THRESHOLD).contains(&n) => n,
        (true, Some(n)) => {
            return Err(RuleError::Invalid(format!(
                "The threshold must be between 1 and {MAX_THRESHOLD}, not {n}."
            )))
        }
    };
    if badge_classes::get(db, badge_class_id).await?.is_none() {
        return Err(RuleError::Invalid(format!(
            "There is no badge class {badge_class_id}."
        )));
    }
    Ok((kind, threshold))
}

/// Creates a rule and starts awarding it to the members who already qualify, in the background.
pub async fn create(
    state: &AppState,
    badge_class_id: i64,
    kind: &str,
    threshold: Option<i64>,
    created_by: i64,
) -> Result<Rule, RuleError> {
    let (kind, threshold) = check(&state.db, badge_class_id, kind, threshold).await?;
    let id: i64 = sqlx::query(
        "INSERT INTO award_rules (badge_class_id, kind, threshold, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(badge_class_id)
    .bind(kind.as_str())
    .bind(threshold)
    .bind(created_by)
    .bind(now())
    .fetch_one(state.db.pool())
    .await?
    .try_get("id")?;
    let rule = get(&state.db, id)
        .await?
        .ok_or(RuleError::Database(sqlx::Error::RowNotFound))?;
    if kind.fires() {
        spawn_backfill(state.clone(), rule.clone());
    }
    Ok(rule)
}

/// Disables a rule (it awards nothing more; its awards stay). None when there is no such rule.
pub async fn disable(db: &Db, id: i64) -> Result<Option<Rule>, sqlx::Error> {
    sqlx::query("UPDATE award_rules SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL")
        .bind(id)
        .bind(now())
        .execute(db.pool())
        .await?;
    get(db, id).await
}

/// What evaluation needs to know of a member.
struct Candidate {
    id: i64,
    username: String,
    email: String,
    created_at: i64,
}

/// The member, when automatic awards may go to them: approved and not suspended (a suspended
/// member is evaluated again at their next event, or by the periodic pass).
async fn candidate(db: &Db, user_id: i64) -> Result<Option<Candidate>, sqlx::Error> {
    sqlx::query(
        "SELECT id, username, email, created_at FROM users
         WHERE id = $1 AND approved_at IS NOT NULL
           AND (suspended_until IS NULL OR suspended_until <= $2)",
    )
    .bind(user_id)
    .bind(now())
    .fetch_optional(db.pool())
    .await?
    .map(|row| {
        Ok(Candidate {
            id: row.try_get("id")?,
            username: row.try_get("username")?,
            email: row.try_get("email")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .transpose()
}

/// A post everyone can read: the only kind rules count.
const VISIBLE: &str = "deleted_at IS NULL AND hidden_at IS NULL AND awaiting_approval_at IS NULL";

/// How far `member` is along `kind`, in the unit of its threshold.
async fn progress(db: &Db, kind: Kind, member: &Candidate) -> Result<i64, sqlx::Error> {
    let count = |sql: String| async move {
        let row = sqlx::query(&sql)
            .bind(member.id)
            .fetch_optional(db.pool())
            .await?;
        match row {
            Some(row) => row.try_get::<i64, _>("n"),
            None => Ok(0),
        }
    };
    match kind {
        Kind::FirstPost => {
            count(format!(
                "SELECT COUNT(*) AS n FROM posts WHERE user_id = $1 AND {VISIBLE}"
            ))
            .await
        }
        Kind::Replies => {
            count(format!(
                "SELECT COUNT(*) AS n FROM posts WHERE user_id = $1 AND number > 1 AND {VISIBLE}"
            ))
            .await
        }
        Kind::TopicReplies => {
            // The member's topic with the most visible replies (none: no row, 0).
            count(format!(
                "SELECT COUNT(*) AS n FROM topics t JOIN posts ON posts.topic_id = t.id
                 WHERE t.user_id = $1 AND t.deleted_at IS NULL AND posts.number > 1
                   AND posts.{}
                 GROUP BY t.id ORDER BY n DESC LIMIT 1",
                VISIBLE.replace(" AND ", " AND posts.")
            ))
            .await
        }
        Kind::ThanksReceived => {
            count(
                "SELECT COUNT(*) AS n FROM post_thanks pt JOIN posts p ON p.id = pt.post_id
                 WHERE p.user_id = $1 AND p.deleted_at IS NULL AND p.hidden_at IS NULL"
                    .to_owned(),
            )
            .await
        }
        Kind::MemberDays => Ok((now() - member.created_at).max(0) / DAY_MS),
        // The planet will count the member's connected sites here (and call
        // `after_personal_site_connected`); decisions will count the decisions the member took
        // part in (and call `after_decision_participation`). Until then nothing qualifies.
        Kind::PersonalSite | Kind::Decision => Ok(0),
    }
}

/// The rules that already awarded this member.
async fn rules_awarded(db: &Db, user_id: i64) -> Result<HashSet<i64>, sqlx::Error> {
    sqlx::query("SELECT rule_id FROM awards WHERE recipient_user_id = $1 AND rule_id IS NOT NULL")
        .bind(user_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("rule_id"))
        .collect()
}

async fn already_awarded(db: &Db, rule_id: i64, user_id: i64) -> Result<bool, sqlx::Error> {
    Ok(
        sqlx::query("SELECT 1 AS one FROM awards WHERE rule_id = $1 AND recipient_user_id = $2")
            .bind(rule_id)
            .bind(user_id)
            .fetch_optional(db.pool())
            .await?
            .is_some(),
    )
}

/// Evaluates every enabled rule for one member and makes the awards they now qualify for.
/// Returns the awards made (none when they had them already).
pub async fn evaluate_member(state: &AppState, user_id: i64) -> Result<Vec<Award>, RuleError> {
    let rules = enabled(&state.db).await?;
    evaluate(state, user_id, &rules).await
}

async fn evaluate(state: &AppState, user_id: i64, rules: &[Rule]) -> Result<Vec<Award>, RuleError> {
    let mut made = Vec::new();
    if rules.is_empty() {
        return Ok(made);
    }
    let Some(member) = candidate(&state.db, user_id).await? else {
        return Ok(made);
    };
    let done = rules_awarded(&state.db, user_id).await?;
    for rule in rules {
        if !rule.enabled() || !rule.kind.fires() || done.contains(&rule.id) {
            continue;
        }
        if progress(&state.db, rule.kind, &member).await? < rule.threshold {
            continue;
        }
        if let Some(award) = award_by_rule(state, rule, &member).await? {
            tracing::info!(rule = rule.id, user = user_id, award = %award.id, "awarded by rule");
            made.push(award);
        }
    }
    Ok(made)
}

/// Makes `rule`'s award to `member` unless it exists already (or the rule was disabled
/// meanwhile); None in those cases.
async fn award_by_rule(
    state: &AppState,
    rule: &Rule,
    member: &Candidate,
) -> Result<Option<Award>, RuleError> {
    let prepared = awards::prepare(
        state,
        NewAward {
            badge_class_id: rule.badge_class_id,
            recipient_user_id: Some(member.id),
            recipient_email: member.email.clone(),
            recipient_name: member.username.clone(),
            narrative: rule.kind.narrative(rule.threshold),
            evidence: Vec::new(),
            awarded_by: None,
            rule_id: Some(rule.id),
        },
        &mut awards::Lookups::default(),
    )
    .await?;
    let mut tx = state.db.begin().await?;
    // Lock the rule first (see the module's comment): concurrent awards by it queue here.
    let claimed = sqlx::query(
        "UPDATE award_rules SET last_awarded_at = $2 WHERE id = $1 AND disabled_at IS NULL",
    )
    .bind(rule.id)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if claimed.rows_affected() == 0 {
        tx.rollback().await?;
        return Ok(None);
    }
    let exists =
        sqlx::query("SELECT 1 AS one FROM awards WHERE rule_id = $1 AND recipient_user_id = $2")
            .bind(rule.id)
            .bind(member.id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
    if exists {
        tx.rollback().await?;
        return Ok(None);
    }
    match awards::store(state, &mut tx, prepared).await {
        Ok(award) => match tx.commit().await {
            Ok(()) => Ok(Some(award)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        },
        Err(e) => {
            let _ = tx.rollback().await;
            // The unique index refused a second award (awards::store reports it among its
            // retries): that is "already awarded", not a failure.
            if already_awarded(&state.db, rule.id, member.id).await? {
                Ok(None)
            } else {
                Err(e.into())
            }
        }
    }
}

/// Evaluates a member and logs what goes wrong: events call this so that an award's failure
/// never fails what the member did.
async fn evaluate_logged(state: &AppState, user_id: i64, event: &str) {
    if let Err(e) = evaluate_member(state, user_id).await {
        tracing::error!(user = user_id, event, error = %e, "evaluating award rules failed");
    }
}

/// Hook: a post by `author` was stored (or approved); `topic_author` is the author of the topic
/// it replies to, whose `topic_replies` may now be reached.
pub async fn after_post(state: &AppState, author: i64, topic_author: Option<i64>) {
    evaluate_logged(state, author, "post").await;
    if let Some(topic_author) = topic_author.filter(|t| *t != author) {
        evaluate_logged(state, topic_author, "reply to their topic").await;
    }
}

/// Hook: a post by `post_author` was thanked.
pub async fn after_thanks(state: &AppState, post_author: i64) {
    evaluate_logged(state, post_author, "thanks").await;
}

/// Hook for the planet: call when a member connects their personal site (after storing it).
/// `personal_site` rules fire once [`progress`] counts the member's connected sites.
pub async fn after_personal_site_connected(state: &AppState, user_id: i64) {
    evaluate_logged(state, user_id, "personal site connected").await;
}

/// Hook for decisions: call when a member takes part in a decision (after storing their vote).
/// `decision` rules fire once [`progress`] counts the decisions the member took part in.
pub async fn after_decision_participation(state: &AppState, user_id: i64) {
    evaluate_logged(state, user_id, "decision participation").await;
}

/// Members evaluated per batch in back-fills.
const BATCH: i64 = 200;

/// Evaluates `rules` for every approved member, in batches by id; returns the awards made.
/// A member's failure is logged and the back-fill goes on.
pub async fn backfill(state: &AppState, rules: &[Rule]) -> Result<usize, RuleError> {
    let rules: Vec<Rule> = rules
        .iter()
        .filter(|r| r.enabled() && r.kind.fires())
        .cloned()
        .collect();
    if rules.is_empty() {
        return Ok(0);
    }
    let mut after = 0i64;
    let mut made = 0;
    loop {
        let ids: Vec<i64> = sqlx::query(
            "SELECT id FROM users WHERE id > $1 AND approved_at IS NOT NULL ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(state.db.pool())
        .await?
        .iter()
        .map(|row| row.try_get("id"))
        .collect::<Result<_, _>>()?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        for id in ids {
            match evaluate(state, id, &rules).await {
                Ok(awards) => made += awards.len(),
                Err(e) => tracing::error!(user = id, error = %e, "back-fill of award rules"),
            }
        }
        after = last;
        // Let the requests being served go first between batches.
        tokio::task::yield_now().await;
    }
    Ok(made)
}

/// Evaluates the enabled `member_days` rules for every member: time alone fulfils them.
pub async fn backfill_member_days(state: &AppState) -> Result<usize, RuleError> {
    let rules: Vec<Rule> = enabled(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.kind == Kind::MemberDays)
        .collect();
    backfill(state, &rules).await
}

/// Evaluates every enabled rule for every member.
pub async fn backfill_all(state: &AppState) -> Result<usize, RuleError> {
    let rules = enabled(&state.db).await?;
    backfill(state, &rules).await
}

/// Back-fills a new rule in the background.
pub fn spawn_backfill(state: AppState, rule: Rule) {
    tokio::spawn(async move {
        match backfill(&state, std::slice::from_ref(&rule)).await {
            Ok(made) => tracing::info!(rule = rule.id, made, "award rule back-filled"),
            Err(e) => tracing::error!(rule = rule.id, error = %e, "back-fill of award rule"),
        }
    });
}

/// How often the periodic pass runs.
pub const PERIOD: Duration = Duration::from_secs(3600);

/// Starts the periodic pass: at once for every rule (a back-fill lives in memory, so one cut short
/// by a stop or a crash is finished here), then every [`PERIOD`] for the rules that time alone
/// fulfils.
pub fn spawn_periodic(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match backfill_all(&state).await {
            Ok(made) => tracing::info!(made, "award rules evaluated at start"),
            Err(e) => tracing::error!(error = %e, "evaluating award rules at start"),
        }
        let start = tokio::time::Instant::now() + PERIOD;
        let mut ticks = tokio::time::interval_at(start, PERIOD);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(e) = backfill_member_days(&state).await {
                tracing::error!(error = %e, "periodic evaluation of award rules");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_and_say_why() {
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse(" First_Post "), Some(Kind::FirstPost));
        assert_eq!(Kind::parse("posts"), None);
        assert_eq!(
            Kind::FirstPost.narrative(1),
            "Awarded automatically: wrote their first post."
        );
        assert_eq!(
            Kind::Replies.narrative(1),
            "Awarded automatically: wrote 1 reply."
        );
        assert_eq!(
            Kind::MemberDays.narrative(30),
            "Awarded automatically: has been a member for 30 days."
        );
        assert!(!Kind::PersonalSite.fires() && !Kind::Decision.fires());
    }
}
