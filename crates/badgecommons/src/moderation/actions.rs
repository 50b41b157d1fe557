//! What moderators and admins do, checked and audited in one place for the pages and the API.

use super::store::{self, TopicSwitch};
use crate::accounts::model::{Member, Role};
use crate::accounts::store as accounts;
use crate::forum::{self, Category};
use crate::store::{now, Db, DAY_MS};
use crate::web::{AppState, Failure};

pub const MAX_FLAG_REASON_CHARS: usize = 1000;

/// A member reports a post to the moderators.
pub async fn flag_post(
    state: &AppState,
    member: &Member,
    post_id: i64,
    reason: &str,
) -> Result<i64, Failure> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Failure::Invalid(
            "Say why this post should be looked at.".to_string(),
        ));
    }
    if reason.chars().count() > MAX_FLAG_REASON_CHARS {
        return Err(Failure::Invalid(format!(
            "A reason has at most {MAX_FLAG_REASON_CHARS} characters."
        )));
    }
    state.limits.post(member.id)?;
    let (_, post) = forum::store::post(&state.db, post_id)
        .await?
        .ok_or_else(|| Failure::not_found("post"))?;
    Ok(store::add_flag(&state.db, post.id, member.id, reason).await?)
}

pub async fn hide_post(
    state: &AppState,
    moderator: &Member,
    post_id: i64,
    hidden: bool,
) -> Result<(), Failure> {
    let mut tx = state.db.begin().await?;
    if !store::set_post_hidden(&mut tx, post_id, hidden.then_some(moderator.id)).await? {
        return Err(Failure::not_found("post"));
    }
    let action = if hidden { "hide post" } else { "unhide post" };
    store::audit(
        &mut tx,
        moderator.id,
        action,
        &format!("post {post_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    // Pages the post links to hear of it when it shows, and again when it stops showing.
    crate::webmention::queue_for_post(state, post_id).await;
    Ok(())
}

pub async fn approve_post(
    state: &AppState,
    moderator: &Member,
    post_id: i64,
) -> Result<(), Failure> {
    let mut tx = state.db.begin().await?;
    if !store::approve_post(&mut tx, post_id).await? {
        return Err(Failure::Conflict(
            "That post is not waiting for approval.".to_string(),
        ));
    }
    store::bump_topic_for_approved_post(&mut tx, post_id).await?;
    store::audit(
        &mut tx,
        moderator.id,
        "approve post",
        &format!("post {post_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    // Only now is the post public: the outside pages it links to are sent their Webmentions.
    crate::webmention::queue_for_post(state, post_id).await;
    // An approved post now counts for the award rules, as a post that needed no approval did;
    // the approval is made, so nothing here may fail it.
    if let Ok(Some((topic_id, post))) = crate::forum::store::post(&state.db, post_id).await {
        let topic_author = crate::forum::store::topic(&state.db, topic_id)
            .await
            .ok()
            .flatten()
            .map(|t| t.author_id);
        crate::recognition::rules::after_post(state, post.author_id, topic_author).await;
    }
    Ok(())
}

pub async fn resolve_flag(
    state: &AppState,
    moderator: &Member,
    flag_id: i64,
    resolution: &str,
) -> Result<(), Failure> {
    let mut tx = state.db.begin().await?;
    if !store::resolve_flag(&mut tx, flag_id, moderator.id, resolution).await? {
        return Err(Failure::Conflict(
            "That flag is unknown or already resolved.".to_string(),
        ));
    }
    store::audit(
        &mut tx,
        moderator.id,
        "resolve flag",
        &format!("flag {flag_id}"),
        resolution,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A moderator's action on a post, named as in the URL (`/mod/posts/{id}/{action}`).
pub async fn post_action(
    state: &AppState,
    moderator: &Member,
    post_id: i64,
    action: &str,
) -> Result<(), Failure> {
    match action {
        "hide" => hide_post(state, moderator, post_id, true).await,
        "unhide" => hide_post(state, moderator, post_id, false).await,
        "approve" => approve_post(state, moderator, post_id).await,
        _ => Err(Failure::NotFound(format!("Unknown action {action:?}."))),
    }
}

/// A moderator's action on a topic, named as in the URL (`/mod/topics/{id}/{action}`).
pub async fn topic_action(
    state: &AppState,
    moderator: &Member,
    topic_id: i64,
    action: &str,
) -> Result<(), Failure> {
    let (switch, on) = match action {
        "lock" => (TopicSwitch::Locked, true),
        "unlock" => (TopicSwitch::Locked, false),
        "pin" => (TopicSwitch::Pinned, true),
        "unpin" => (TopicSwitch::Pinned, false),
        _ => return Err(Failure::NotFound(format!("Unknown action {action:?}."))),
    };
    switch_topic(state, moderator, topic_id, switch, on).await
}

async fn switch_topic(
    state: &AppState,
    moderator: &Member,
    topic_id: i64,
    switch: TopicSwitch,
    on: bool,
) -> Result<(), Failure> {
    let mut tx = state.db.begin().await?;
    if !store::set_topic_switch(&mut tx, topic_id, switch, on).await? {
        return Err(Failure::not_found("topic"));
    }
    let action = match (switch, on) {
        (TopicSwitch::Locked, true) => "lock topic",
        (TopicSwitch::Locked, false) => "unlock topic",
        (TopicSwitch::Pinned, true) => "pin topic",
        (TopicSwitch::Pinned, false) => "unpin topic",
    };
    store::audit(
        &mut tx,
        moderator.id,
        action,
        &format!("topic {topic_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn move_topic(
    state: &AppState,
    moderator: &Member,
    topic_id: i64,
    category_slug: &str,
) -> Result<(), Failure> {
    let category = forum::store::category(&state.db, category_slug)
        .await?
        .ok_or_else(|| Failure::Invalid(format!("There is no category {category_slug:?}.")))?;
    let mut tx = state.db.begin().await?;
    if !store::move_topic(&mut tx, topic_id, category.id).await? {
        return Err(Failure::not_found("topic"));
    }
    store::audit(
        &mut tx,
        moderator.id,
        "move topic",
        &format!("topic {topic_id}"),
        &format!("to {}", category.slug),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Suspends a member for `days` days (0 lifts a suspension). Only admins may suspend staff.
pub async fn suspend(
    state: &AppState,
    moderator: &Member,
    username: &str,
    days: u32,
    reason: &str,
) -> Result<(), Failure> {
    let target = accounts::member_by_username(&state.db, username)
        .await?
        .ok_or_else(|| Failure::not_found("member"))?;
    if target.id == moderator.id {
        return Err(Failure::Forbidden(
            "You cannot suspend yourself.".to_string(),
        ));
    }
    if target.is_staff() && !moderator.is_admin() {
        return Err(Failure::Forbidden(
            "Only admins can suspend moderators and admins.".to_string(),
        ));
    }
    if days > 3650 {
        return Err(Failure::Invalid(
            "A suspension lasts at most 3650 days.".to_string(),
        ));
    }
    let until = (days > 0).then(|| now() + i64::from(days) * DAY_MS);
    accounts::suspend_member(&state.db, target.id, until, reason.trim()).await?;
    let mut tx = state.db.begin().await?;
    let action = if days > 0 {
        "suspend member"
    } else {
        "lift suspension"
    };
    let detail = if days > 0 {
        format!("{days} days: {}", reason.trim())
    } else {
        String::new()
    };
    store::audit(
        &mut tx,
        moderator.id,
        action,
        &format!("member {}", target.username),
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn approve_member(
    state: &AppState,
    moderator: &Member,
    user_id: i64,
) -> Result<(), Failure> {
    if !accounts::approve_member(&state.db, user_id).await? {
        return Err(Failure::Conflict(
            "That account is unknown or already approved.".to_string(),
        ));
    }
    let mut tx = state.db.begin().await?;
    store::audit(
        &mut tx,
        moderator.id,
        "approve member",
        &format!("member {user_id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Checks and creates a category (admins, on the admin page, the API or the command line).
pub async fn create_category(
    db: &Db,
    slug: &str,
    name: &str,
    description: &str,
    min_role_to_post: Role,
) -> Result<Category, Failure> {
    let slug = slug.trim();
    let name = name.trim();
    let valid_slug = !slug.is_empty()
        && slug.len() <= 50
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid_slug {
        return Err(Failure::Invalid(
            "A category slug has 1 to 50 lowercase letters, digits and -.".to_string(),
        ));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Failure::Invalid(
            "A category name has 1 to 100 characters.".to_string(),
        ));
    }
    if description.chars().count() > 1000 {
        return Err(Failure::Invalid(
            "A category description has at most 1000 characters.".to_string(),
        ));
    }
    match forum::store::create_category(db, slug, name, description.trim(), min_role_to_post).await
    {
        Ok(id) => Ok(Category {
            id,
            slug: slug.to_string(),
            name: name.to_string(),
            description: description.trim().to_string(),
            min_role_to_post,
        }),
        Err(forum::store::CreateCategoryError::Taken(slug)) => Err(Failure::Conflict(format!(
            "A category with the slug {slug:?} already exists."
        ))),
        Err(forum::store::CreateCategoryError::Database(err)) => Err(err.into()),
    }
}
