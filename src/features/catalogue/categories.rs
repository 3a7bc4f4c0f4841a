//! The category tree, read from the database (the migration seeds it; nothing hard-codes it).

use sqlx::PgPool;

use super::model::{Category, CategoryTree};

pub async fn tree(db: &PgPool) -> Result<CategoryTree, sqlx::Error> {
    let rows: Vec<(i32, Option<i32>, String, String)> = sqlx::query_as(
        "SELECT id, parent_id, slug, name FROM categories ORDER BY parent_id NULLS FIRST, position, name",
    )
    .fetch_all(db)
    .await?;
    let mut top: Vec<Category> = rows
        .iter()
        .filter(|(_, parent, ..)| parent.is_none())
        .map(|(id, _, slug, name)| Category { id: *id, slug: slug.clone(), name: name.clone(), children: Vec::new() })
        .collect();
    for (id, parent, slug, name) in rows {
        if let Some(parent) = parent
            && let Some(owner) = top.iter_mut().find(|c| c.id == parent)
        {
            owner.children.push(Category { id, slug, name, children: Vec::new() });
        }
    }
    Ok(CategoryTree(top))
}

/// The tree from memory (it changes only with a migration), PostgreSQL when not kept yet.
pub async fn cached(
    state: &crate::server::state::AppState,
) -> Result<std::sync::Arc<CategoryTree>, crate::error::AppError> {
    state.pages.categories(async { Ok(tree(&state.db).await?) }).await
}

/// A category's id by slug.
pub async fn id_of(db: &PgPool, slug: &str) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM categories WHERE slug = $1").bind(slug).fetch_optional(db).await
}
