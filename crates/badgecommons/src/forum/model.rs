//! The forum's types as pages and the API see them.

use serde::Serialize;

use crate::accounts::model::{Member, Role};
use crate::web::Stamp;

/// A place for topics, managed by admins.
#[derive(Clone, Debug, Serialize)]
pub struct Category {
    #[serde(skip)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// The least role that may start topics here.
    #[serde(skip)]
    pub min_role_to_post: Role,
}

/// A topic in a list.
#[derive(Clone, Debug)]
pub struct TopicSummary {
    pub id: i64,
    pub title: String,
    pub path: String,
    pub category_slug: String,
    pub category_name: String,
    pub author: String,
    pub created: Stamp,
    pub last_posted: Stamp,
    pub reply_count: i64,
    pub locked: bool,
    pub pinned: bool,
    /// The signed-in viewer has not read its newest post.
    pub unread: bool,
}

/// A topic's header.
#[derive(Clone, Debug)]
pub struct Topic {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category: Category,
    pub author_id: i64,
    pub created: Stamp,
    pub last_posted: Stamp,
    pub locked: bool,
    pub pinned: bool,
    pub deleted: bool,
    /// Its first post waits for a moderator's approval.
    pub awaiting_approval: bool,
    /// Goes up with every change that shows on the topic's page.
    pub revision: i64,
}

impl Topic {
    /// Whether `viewer` may see the topic at all: deleted topics only moderators, topics whose
    /// first post waits for approval only moderators and the author.
    pub fn visible_to(&self, viewer: Option<&Member>) -> bool {
        match viewer {
            Some(member) if member.is_staff() => true,
            _ if self.deleted => false,
            Some(member) if member.id == self.author_id => true,
            _ => !self.awaiting_approval,
        }
    }

    /// `/t/{id}/{slug}`: the permanent address of the topic.
    pub fn path(&self) -> String {
        topic_path(self.id, &self.slug)
    }
}

pub fn topic_path(id: i64, slug: &str) -> String {
    format!("/t/{id}/{slug}")
}

/// One post of a topic.
#[derive(Clone, Debug)]
pub struct Post {
    pub id: i64,
    pub number: i64,
    pub author: String,
    pub author_id: i64,
    pub body_markdown: String,
    pub body_html: String,
    pub created: Stamp,
    pub edited: Option<Stamp>,
    pub deleted: bool,
    pub hidden: bool,
    pub awaiting_approval: bool,
    /// How many members thanked it.
    pub thanks: i64,
    /// The viewer has not seen it before this visit.
    pub unread: bool,
}

impl Post {
    /// Whether anyone may read the body (moderators and the author see more).
    pub fn is_public(&self) -> bool {
        !(self.deleted || self.hidden || self.awaiting_approval)
    }
}

/// A post in a member's list or a feed.
#[derive(Clone, Debug)]
pub struct PostSummary {
    pub id: i64,
    pub path: String,
    pub url: String,
    pub topic_title: String,
    pub author: String,
    pub created: Stamp,
    pub body_html: String,
    pub excerpt: String,
}

/// An earlier version of an edited post.
#[derive(Clone, Debug)]
pub struct Revision {
    pub body_markdown: String,
    pub written: Stamp,
    pub replaced: Stamp,
    pub replaced_by: String,
}
