//! Every SQL statement about saved threads. Each takes the member: a thread is only ever
//! read or changed by its owner.

use sqlx::{PgPool, types::Json};
use uuid::Uuid;

use super::model::{ThreadDoc, ValidPosts, title_from};
use super::packer::Numbering;
use crate::features::accounts::session::Member;

/// A deleted thread can be brought back this long (the page offers 10 s; the rest is slack).
const UNDO_SECS: f64 = 60.0;

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    title: String,
    title_custom: bool,
    posts: Json<Vec<String>>,
    numbering: String,
    source_url: Option<String>,
    version: i32,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<Row> for ThreadDoc {
    fn from(r: Row) -> Self {
        ThreadDoc {
            id: r.id,
            title: r.title,
            title_custom: r.title_custom,
            posts: r.posts.0,
            numbering: r.numbering.parse().unwrap_or_default(),
            source_url: r.source_url,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const COLUMNS: &str = "id, title, title_custom, posts, numbering, source_url, version, created_at, updated_at";

pub async fn create(
    db: &PgPool,
    me: &Member,
    posts: &ValidPosts,
    numbering: Numbering,
    title: Option<&str>,
    source_url: Option<&str>,
) -> Result<ThreadDoc, sqlx::Error> {
    let (title, custom) = match title {
        Some(t) => (t.to_string(), true),
        None => (title_from(posts.as_slice()), false),
    };
    sqlx::query_as::<_, Row>(&format!(
        "INSERT INTO threads (user_id, title, title_custom, posts, numbering, source_url)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind(me.id)
    .bind(title)
    .bind(custom)
    .bind(Json(posts.as_slice()))
    .bind(numbering.as_str())
    .bind(source_url)
    .fetch_one(db)
    .await
    .map(Into::into)
}

pub async fn get(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<ThreadDoc>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "SELECT {COLUMNS} FROM threads WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL"
    ))
    .bind(id)
    .bind(me.id)
    .fetch_optional(db)
    .await
    .map(|r| r.map(Into::into))
}

/// Saves new posts if `version` is still the stored one. `Ok(None)`: no such thread;
/// `Err(Conflict)` is reported by the caller when the version moved on.
pub async fn save(
    db: &PgPool,
    me: &Member,
    id: Uuid,
    posts: &ValidPosts,
    numbering: Numbering,
    version: i32,
) -> Result<SaveOutcome, sqlx::Error> {
    let title = title_from(posts.as_slice());
    let saved = sqlx::query_as::<_, Row>(&format!(
        "UPDATE threads SET posts = $4, numbering = $5, version = version + 1, updated_at = now(),
                title = CASE WHEN title_custom THEN title ELSE $6 END
          WHERE id = $1 AND user_id = $2 AND version = $3 AND deleted_at IS NULL
          RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(me.id)
    .bind(version)
    .bind(Json(posts.as_slice()))
    .bind(numbering.as_str())
    .bind(title)
    .fetch_optional(db)
    .await?;
    Ok(match saved {
        Some(row) => SaveOutcome::Saved(row.into()),
        None => match get(db, me, id).await? {
            Some(_) => SaveOutcome::Conflict,
            None => SaveOutcome::Missing,
        },
    })
}

pub enum SaveOutcome {
    Saved(ThreadDoc),
    /// Another tab saved first; nothing was overwritten.
    Conflict,
    Missing,
}

pub async fn rename(db: &PgPool, me: &Member, id: Uuid, title: &str) -> Result<Option<ThreadDoc>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "UPDATE threads SET title = $3, title_custom = true, updated_at = now(), version = version + 1
          WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(me.id)
    .bind(title)
    .fetch_optional(db)
    .await
    .map(|r| r.map(Into::into))
}

pub async fn duplicate(db: &PgPool, me: &Member, id: Uuid) -> Result<Option<ThreadDoc>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!(
        "INSERT INTO threads (user_id, title, title_custom, posts, numbering, source_url)
         SELECT user_id, left('Copy of ' || title, 120), true, posts, numbering, source_url
           FROM threads WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL
         RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(me.id)
    .fetch_optional(db)
    .await
    .map(|r| r.map(Into::into))
}

/// Marks the thread deleted (undo brings it back) and purges the member's older deletions.
pub async fn delete(db: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    sqlx::query("DELETE FROM threads WHERE user_id = $1 AND deleted_at < now() - make_interval(secs => $2)")
        .bind(me.id)
        .bind(UNDO_SECS)
        .execute(&mut *tx)
        .await?;
    let done =
        sqlx::query("UPDATE threads SET deleted_at = now() WHERE id = $1 AND user_id = $2 AND deleted_at IS NULL")
            .bind(id)
            .bind(me.id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
    tx.commit().await?;
    Ok(done)
}

pub async fn restore(db: &PgPool, me: &Member, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE threads SET deleted_at = NULL
          WHERE id = $1 AND user_id = $2 AND deleted_at > now() - make_interval(secs => $3)",
    )
    .bind(id)
    .bind(me.id)
    .bind(UNDO_SECS)
    .execute(db)
    .await?
    .rows_affected()
        == 1)
}
