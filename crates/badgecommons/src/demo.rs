//! The demo community behind `serve --demo`: a few members (an admin, a moderator, members),
//! categories, topics with replies and mentions, and badges awarded to some of them, so that a
//! newcomer sees a living community.
//! Seeding goes through the same functions as real posting, and only into an empty database.

use crate::accounts::model::{Member, Role};
use crate::accounts::password::hash_password;
use crate::accounts::store::{self as accounts, NewUser};
use crate::forum::{self, posting};
use crate::moderation;
use crate::web::{AppState, Failure};

/// Every demo member's password.
pub const DEMO_PASSWORD: &str = "demo-password";

const MEMBERS: &[(&str, Role, &str)] = &[
    (
        "ada",
        Role::Admin,
        "Keeps the lights on. Co-op member since the start.",
    ),
    (
        "grace",
        Role::Moderator,
        "Moderator. Ask me about badge design.",
    ),
    (
        "linus",
        Role::Member,
        "Teacher; issues badges for a maker club.",
    ),
    ("mei", Role::Member, "Builds a wallet for learners."),
    (
        "sam",
        Role::Member,
        "New here, curious about Open Badges 3.0.",
    ),
];

const CATEGORIES: &[(&str, &str, &str, Role)] = &[
    (
        "announcements",
        "Announcements",
        "News from the stewards of this community.",
        Role::Moderator,
    ),
    (
        "general",
        "General",
        "Anything about open recognition.",
        Role::Member,
    ),
    (
        "open-badges",
        "Open Badges",
        "Issuing, baking, verifying and displaying Open Badges 2.0 and 3.0.",
        Role::Member,
    ),
    (
        "help",
        "Help",
        "Questions about using Badge Commons.",
        Role::Member,
    ),
];

/// (category, author, title, body, replies as (author, body))
type DemoTopic = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

const TOPICS: &[DemoTopic] = &[
    (
        "announcements",
        "ada",
        "Welcome to Badge Commons",
        "This forum is **ours**: its archives are public and permanent, and anyone can read them without an account.\n\n- Introduce yourself in *General*\n- Ask questions in *Help*\n\nThanks to @grace for moderating.",
        &[("grace", "Glad to be here. Please flag anything that needs a moderator's eye."), ("sam", "Hello everyone!")],
    ),
    (
        "open-badges",
        "linus",
        "Baking badges into PNG: iTXt or tEXt?",
        "The 2.0 baking spec says `iTXt` with the keyword `openbadges`. Older tools wrote `tEXt`. Do verifiers still need to read both?\n\n| chunk | spec |\n|---|---|\n| iTXt | 2.0 |\n| tEXt | legacy |",
        &[
            ("mei", "Our wallet reads both and writes only iTXt. See https://www.imsglobal.org/spec/ob/v2p0/ for the details."),
            ("grace", "> Do verifiers still need to read both?\n\nYes: old badges are still around. @linus, want to write this up for the wiki?"),
            ("linus", "Will do!"),
        ],
    ),
    (
        "open-badges",
        "mei",
        "Revocation that fails closed",
        "When a status list cannot be fetched, a verifier must **not** say \"not revoked\". How do you show that to learners?",
        &[("sam", "A warning badge next to the credential, maybe?"), ("mei", "That is what we do now: *revocation could not be checked*.")],
    ),
    (
        "general",
        "sam",
        "Introduce yourself",
        "I am Sam, learning about verifiable credentials. Who else is new?",
        &[("linus", "Linus, teacher, maker club badges."), ("mei", "Mei, I build a learner wallet."), ("ada", "Welcome @sam!")],
    ),
    (
        "help",
        "sam",
        "How do I use Markdown here?",
        "Is there a list of what works?",
        &[("grace", "CommonMark plus tables, fenced code and autolinks:\n\n```rust\nfn main() {\n    println!(\"hello\");\n}\n```")],
    ),
];

/// Fills an empty database with the demo community; does nothing if anyone has signed up.
pub async fn seed(state: &AppState) -> Result<bool, Failure> {
    if accounts::count_users(&state.db).await? > 0 {
        return Ok(false);
    }
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut members: Vec<Member> = Vec::new();
    for (username, role, bio) in MEMBERS {
        let email = format!("{username}@demo.invalid");
        let user = NewUser {
            username,
            email: &email,
            password_hash: &hash,
            role: *role,
            approved: true,
            email_confirmed: true,
        };
        let id = accounts::create_user(&state.db, user)
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
        accounts::set_profile(&state.db, id, bio, "").await?;
        let member = accounts::member_by_id(&state.db, id)
            .await?
            .ok_or_else(|| Failure::Internal("demo member vanished".into()))?;
        members.push(member);
    }
    let member = |name: &str| {
        members
            .iter()
            .find(|m| m.username == name)
            .cloned()
            .ok_or_else(|| Failure::Internal(format!("no demo member {name}")))
    };
    for (slug, name, description, role) in CATEGORIES {
        moderation::create_category(&state.db, slug, name, description, *role).await?;
    }
    for (category, author, title, body, replies) in TOPICS {
        let category = forum::store::category(&state.db, category)
            .await?
            .ok_or_else(|| Failure::Internal("demo category vanished".into()))?;
        let posted = posting::start_topic(state, &member(author)?, &category, title, body).await?;
        let topic = forum::store::topic(&state.db, posted.topic_id)
            .await?
            .ok_or_else(|| Failure::Internal("demo topic vanished".into()))?;
        for (author, body) in replies.iter() {
            posting::reply(state, &member(author)?, &topic, body).await?;
        }
    }
    seed_badges(state, &member("ada")?, &member).await?;
    Ok(true)
}

/// Badge classes (one peer-awardable) and a few awards, made through the same functions as the
/// pages, so the demo shows signed credentials, a backpack-worthy profile and `/verify` at work.
async fn seed_badges(
    state: &AppState,
    admin: &Member,
    member: &impl Fn(&str) -> Result<Member, Failure>,
) -> Result<(), Failure> {
    use crate::recognition::awards::{self, NewAward};
    use crate::recognition::badge_classes::{self, BadgeClassFields};
    use crate::recognition::images;
    /// Name, description, criteria, peer-awardable, and who was awarded it with what narrative.
    type DemoBadge = (
        &'static str,
        &'static str,
        &'static str,
        bool,
        &'static [(&'static str, &'static str)],
    );
    const BADGES: &[DemoBadge] = &[
        (
            "Helper",
            "Answers other members' questions patiently and well.",
            "Answer ten questions in **Help** in a way that the asker thanks you for.",
            false,
            &[("mei", "Explained baking to three newcomers in a week.")],
        ),
        (
            "Badge Baker",
            "Bakes, verifies and explains Open Badges.",
            "Show a baked Open Badge 3.0 that verifies on `/verify`.",
            false,
            &[("linus", "Baked the maker club's first OB 3.0 badges.")],
        ),
        (
            "Kind Word",
            "Given by one member to another for a kindness.",
            "Any member may give it, with a sentence about why.",
            true,
            &[("sam", "Welcomed me on my first day. — grace")],
        ),
    ];
    for (name, description, criteria, peer_awardable, awarded) in BADGES {
        let fields = BadgeClassFields {
            name: (*name).into(),
            description: (*description).into(),
            criteria: (*criteria).into(),
            peer_awardable: *peer_awardable,
            ..BadgeClassFields::default()
        };
        let image = images::check_image(&images::default_png_for(name))
            .map_err(|e| Failure::Internal(e.to_string()))?;
        let class = badge_classes::create(&state.db, &fields, &image, admin.id).await?;
        for (username, narrative) in awarded.iter() {
            let recipient = member(username)?;
            awards::award(
                state,
                NewAward {
                    badge_class_id: class,
                    recipient_user_id: Some(recipient.id),
                    recipient_email: format!("{username}@demo.invalid"),
                    recipient_name: (*username).into(),
                    narrative: (*narrative).into(),
                    awarded_by: Some(admin.id),
                    ..NewAward::default()
                },
            )
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?;
        }
    }
    Ok(())
}
