//! Awarding many credentials in bulk (sign + store), for `bench/issue.sh` (not an API example).
//!
//! ```text
//! cargo run --release -p badgecommons --example bench_awards -- DATABASE_URL DATA_DIR N [BATCH]
//! ```
//!
//! Opens (and migrates) the database, makes a member and a badge class, then awards the badge N
//! times to email addresses, BATCH awards per transaction (default 100) with `awards::prepare`
//! and `awards::store`, as bulk awards do. Prints one JSON line with the rate.

use std::time::Instant;

use badgecommons::accounts::model::Role;
use badgecommons::accounts::store::{create_user, NewUser};
use badgecommons::config::{Overrides, ServeOverrides, Settings};
use badgecommons::recognition::awards::{self, NewAward};
use badgecommons::recognition::badge_classes::{self, BadgeClassFields};
use badgecommons::recognition::images;
use badgecommons::store::Db;
use badgecommons::web::AppState;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, data_dir, n, rest @ ..] = args.as_slice() else {
        anyhow::bail!("usage: bench_awards DATABASE_URL DATA_DIR N [BATCH]");
    };
    let n: usize = n.parse()?;
    let batch: usize = rest.first().map_or(Ok(100), |b| b.parse())?;
    let overrides = Overrides {
        data_dir: Some(data_dir.into()),
        database_url: Some(url.clone()),
        ..Overrides::default()
    };
    let settings = Settings::resolve(&overrides, &ServeOverrides::default())?;
    let db = Db::open(url).await?;
    let state = AppState::new(db.clone(), settings)?;
    let admin = create_user(
        &db,
        NewUser {
            username: "bench-admin",
            email: "bench-admin@example.org",
            password_hash: "x",
            role: Role::Admin,
            approved: true,
            email_confirmed: true,
        },
    )
    .await?;
    let image = images::check_image(&images::default_png())?;
    let fields = BadgeClassFields {
        name: "Bulk".into(),
        description: "Awarded in bulk.".into(),
        criteria: "Be on the list.".into(),
        ..BadgeClassFields::default()
    };
    let class = badge_classes::create(&db, &fields, &image, admin).await?;

    let started = Instant::now();
    let mut done = 0;
    while done < n {
        let mut tx = db.begin().await?;
        let mut lookups = awards::Lookups::default();
        for i in done..(done + batch).min(n) {
            let prepared = awards::prepare(
                &state,
                NewAward {
                    badge_class_id: class,
                    recipient_email: format!("person{i}@example.org"),
                    awarded_by: Some(admin),
                    ..NewAward::default()
                },
                &mut lookups,
            )
            .await?;
            awards::store(&state, &mut tx, prepared).await?;
        }
        tx.commit().await?;
        done = (done + batch).min(n);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{{\"backend\": \"{}\", \"awards\": {n}, \"batch\": {batch}, \"seconds\": {seconds:.3}, \"per_second\": {:.0}}}",
        if url.starts_with("postgres") { "postgres" } else { "sqlite" },
        n as f64 / seconds
    );
    Ok(())
}
