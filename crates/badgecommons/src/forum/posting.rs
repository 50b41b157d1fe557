//! Writing to the forum: starting topics, replying, editing and deleting posts. The HTML pages
//! and the JSON API both call these, so the rules (who may post where, limits, approval of first
//! posts, mentions, the search index) live in one place.

use super::model::{topic_path, Category, Post, Topic};
use super::store::{self, NewTopic};
use crate::accounts::model::Member;
use crate::notifications::{self, Kind};
use crate::store::now;
use crate::web::{AppState, Failure};
use crate::{moderation, search};

pub const MAX_TITLE_CHARS: usize = 200;
pub const MIN_TITLE_CHARS: usize = 3;
pub const MAX_BODY_CHARS: usize = 50_000;

/// Where a new post landed.
#[derive(Debug)]
pub struct Posted {
    pub topic_id: i64,
    pub post_id: i64,
    pub number: i64,
    /// The post's permanent address, `/t/{id}/{slug}#p{n}`.
    pub path: String,
    /// A moderator must approve it before others can see it.
    pub awaiting_approval: bool,
}

fn checked_title(title: &str) -> Result<&str, Failure> {
    let title = title.trim();
    if title.contains('\0') {
        return Err(Failure::Invalid(
            "The title contains a NUL character, which text cannot hold.".to_string(),
        ));
    }
    let length = title.chars().count();
    if length < MIN_TITLE_CHARS {
        return Err(Failure::Invalid(format!(
            "The title needs at least {MIN_TITLE_CHARS} characters."
        )));
    }
    if length > MAX_TITLE_CHARS {
        return Err(Failure::Invalid(format!(
            "The title has at most {MAX_TITLE_CHARS} characters (this one has {length})."
        )));
    }
    Ok(title)
}

fn checked_body(body: &str) -> Result<&str, Failure> {
    if body.trim().is_empty() {
        return Err(Failure::Invalid(
            "The post is empty: write something first.".to_string(),
        ));
    }
    if body.contains('\0') {
        return Err(Failure::Invalid(
            "The post contains a NUL character, which text cannot hold.".to_string(),
        ));
    }
    let length = body.chars().count();
    if length > MAX_BODY_CHARS {
        return Err(Failure::Invalid(format!(
            "A post has at most {MAX_BODY_CHARS} characters (this one has {length})."
        )));
    }
    Ok(body)
}

/// The URL part of a title: lowercase words joined by `-`.
pub fn slug_for(title: &str) -> String {
    let slug: String = slug::slugify(title).chars().take(80).collect();
    let slug = slug.trim_end_matches('-').to_string();
    if slug.is_empty() {
        "topic".to_string()
    } else {
        slug
    }
}

/// The checks every author passes before writing anything.
fn may_write(member: &Member) -> Result<(), Failure> {
    if !member.approved {
        return Err(Failure::Forbidden(
            "Your account is waiting for a moderator's approval.".to_string(),
        ));
    }
    if member.is_suspended(now()) {
        return Err(Failure::Forbidden("Your account is suspended.".to_string()));
    }
    Ok(())
}

async fn needs_approval(state: &AppState, member: &Member) -> Result<bool, Failure> {
    let required = i64::from(state.settings.first_posts_need_approval);
    if required == 0 || member.is_staff() {
        return Ok(false);
    }
    Ok(store::approved_post_count(&state.db, member.id).await? < required)
}

/// Starts a topic in `category`.
pub async fn start_topic(
    state: &AppState,
    member: &Member,
    category: &Category,
    title: &str,
    body: &str,
) -> Result<Posted, Failure> {
    may_write(member)?;
    if member.role < category.min_role_to_post {
        return Err(Failure::Forbidden(format!(
            "Only {}s can start topics in {}.",
            category.min_role_to_post.as_str(),
            category.name
        )));
    }
    let title = checked_title(title)?;
    let body = checked_body(body)?;
    state.limits.post(member.id)?;
    let awaiting_approval = needs_approval(state, member).await?;
    let rendered = syndication::markdown::render(body, "/u/");
    let slug = slug_for(title);
    let mut tx = state.db.begin().await?;
    let (topic_id, post_id) = store::insert_topic(
        &mut tx,
        &NewTopic {
            category_id: category.id,
            user_id: member.id,
            title,
            slug: &slug,
            body_markdown: body,
            body_html: &rendered.html,
            awaiting_approval,
        },
    )
    .await?;
    search::index_post(&mut tx, state.db.backend(), post_id, title, body).await?;
    notifications::notify_mentions(&mut tx, &rendered.mentions, post_id, member.id).await?;
    tx.commit().await?;
    // Only now that the post is stored: award rules count it, and never fail it.
    crate::recognition::rules::after_post(state, member.id, None).await;
    crate::webmention::queue_for_post(state, post_id).await;
    Ok(Posted {
        topic_id,
        post_id,
        number: 1,
        path: format!("{}#p1", topic_path(topic_id, &slug)),
        awaiting_approval,
    })
}

/// Replies to `topic`.
pub async fn reply(
    state: &AppState,
    member: &Member,
    topic: &Topic,
    body: &str,
) -> Result<Posted, Failure> {
    may_write(member)?;
    if topic.deleted {
        return Err(Failure::not_found("topic"));
    }
    if topic.locked && !member.is_staff() {
        return Err(Failure::Forbidden(
            "This topic is locked: no new replies.".to_string(),
        ));
    }
    let body = checked_body(body)?;
    state.limits.post(member.id)?;
    let awaiting_approval = needs_approval(state, member).await?;
    let rendered = syndication::markdown::render(body, "/u/");
    let mut tx = state.db.begin().await?;
    let (post_id, number) = store::insert_reply(
        &mut tx,
        topic.id,
        member.id,
        body,
        &rendered.html,
        awaiting_approval,
    )
    .await?;
    search::index_post(&mut tx, state.db.backend(), post_id, &topic.title, body).await?;
    let mentioned =
        notifications::notify_mentions(&mut tx, &rendered.mentions, post_id, member.id).await?;
    if topic.author_id != member.id && !mentioned.contains(&topic.author_id) {
        notifications::notify(&mut tx, topic.author_id, Kind::Reply, post_id, member.id).await?;
    }
    tx.commit().await?;
    // Only now that the reply is stored: award rules count it (for its author, and for the
    // topic's author whose topic gained a reply), and never fail it.
    crate::recognition::rules::after_post(state, member.id, Some(topic.author_id)).await;
    crate::webmention::queue_for_post(state, post_id).await;
    Ok(Posted {
        topic_id: topic.id,
        post_id,
        number,
        path: format!("{}#p{number}", topic.path()),
        awaiting_approval,
    })
}

/// Replaces the body of `post` (and, for a first post, the topic's title), keeping the old text
/// in the post's history. Authors edit their own posts; moderators any.
pub async fn edit(
    state: &AppState,
    member: &Member,
    topic: &Topic,
    post: &Post,
    title: Option<&str>,
    body: &str,
) -> Result<String, Failure> {
    may_write(member)?;
    if post.author_id != member.id && !member.is_staff() {
        return Err(Failure::Forbidden(
            "You can edit only your own posts.".to_string(),
        ));
    }
    if post.deleted && !member.is_staff() {
        return Err(Failure::Forbidden("This post was deleted.".to_string()));
    }
    if topic.locked && !member.is_staff() {
        return Err(Failure::Forbidden(
            "This topic is locked: its posts can no longer be edited.".to_string(),
        ));
    }
    let body = checked_body(body)?;
    let title = match title {
        Some(title) if post.number == 1 => Some(checked_title(title)?),
        _ => None,
    };
    let rendered = syndication::markdown::render(body, "/u/");
    let mut tx = state.db.begin().await?;
    store::update_post_body(&mut tx, post.id, member.id, body, &rendered.html).await?;
    let mut slug = topic.slug.clone();
    if let Some(title) = title.filter(|t| *t != topic.title) {
        slug = slug_for(title);
        store::set_topic_title(&mut tx, topic.id, title, &slug).await?;
    }
    search::index_post(
        &mut tx,
        state.db.backend(),
        post.id,
        title.unwrap_or(&topic.title),
        body,
    )
    .await?;
    if post.author_id != member.id {
        moderation::audit(
            &mut tx,
            member.id,
            "edit post",
            &format!("post {}", post.id),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    // Pages the post links to, or linked to before, are told (see `webmention::sending`).
    crate::webmention::queue_for_post(state, post.id).await;
    Ok(format!("{}#p{}", topic_path(topic.id, &slug), post.number))
}

/// Soft-deletes a post (its author or a moderator) or restores it (a moderator).
pub async fn set_deleted(
    state: &AppState,
    member: &Member,
    post: &Post,
    deleted: bool,
) -> Result<(), Failure> {
    if deleted {
        if post.author_id != member.id && !member.is_staff() {
            return Err(Failure::Forbidden(
                "You can delete only your own posts.".to_string(),
            ));
        }
    } else if !member.is_staff() {
        return Err(Failure::Forbidden(
            "Only moderators can restore deleted posts.".to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    store::set_post_deleted(&mut tx, post.id, deleted.then_some(member.id)).await?;
    if member.is_staff() && (post.author_id != member.id || !deleted) {
        let action = if deleted {
            "delete post"
        } else {
            "restore post"
        };
        moderation::audit(&mut tx, member.id, action, &format!("post {}", post.id), "").await?;
    }
    tx.commit().await?;
    crate::webmention::queue_for_post(state, post.id).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_readable_and_never_empty() {
        assert_eq!(
            slug_for("Welcome to Badge Commons!"),
            "welcome-to-badge-commons"
        );
        assert_eq!(slug_for("Ünïcödé café"), "unicode-cafe");
        assert_eq!(slug_for("!!!"), "topic");
        assert!(slug_for(&"long words ".repeat(30)).len() <= 80);
    }

    #[test]
    fn titles_and_bodies_are_checked_with_a_reason() {
        assert!(checked_title("  ab ")
            .unwrap_err()
            .to_string()
            .contains("at least 3"));
        assert!(checked_title(&"x".repeat(201))
            .unwrap_err()
            .to_string()
            .contains("at most 200"));
        assert_eq!(checked_title("  A fine title ").unwrap(), "A fine title");
        assert!(checked_body(" \n\t ")
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(checked_body(&"x".repeat(50_001)).is_err());
    }
}
