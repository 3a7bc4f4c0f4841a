//! A search as the page shows it: the ids the index found, turned into cards (PostgreSQL), the
//! category counts named from the tree (the narrowed category's children listed under it).

use super::model::{CategoryTree, FacetLink, SearchResults};
use super::search::{Engine, SearchIndex, SearchQuery};
use super::{cards, categories};
use crate::error::AppError;
use crate::server::state::AppState;

pub async fn results(state: &AppState, query: SearchQuery) -> Result<SearchResults, AppError> {
    let tree = categories::cached(state).await?;
    if let Some(slug) = &query.category
        && tree.find(slug).is_none()
    {
        return Err(AppError::invalid(format!("“{slug}” is not a category. Choose one from the list.")));
    }
    let page = state.search.service.search(&query).await.map_err(|e| crate::server::error::internal("search", e))?;
    let cards = state.pages.cards(&page.ids, |missing| async move { cards::by_ids(&state.db, &missing).await }).await?;
    let counts = |id: i32| page.categories.iter().find(|c| c.category_id == id).map_or(0, |c| c.count);
    Ok(SearchResults {
        categories: facets(&tree, query.category.as_deref(), &counts),
        pages: page.page_count().max(1),
        page: page.page,
        total: page.total,
        conditions: page.conditions.clone(),
        fallback: page.engine == Engine::Fallback,
        cards,
        query,
        tree: tree.as_ref().clone(),
    })
}

/// Top-level categories with matches; under the one the search is narrowed to (or its
/// parent), its sub-categories with matches.
fn facets(tree: &CategoryTree, narrowed: Option<&str>, count: &dyn Fn(i32) -> u64) -> Vec<FacetLink> {
    let open = narrowed.and_then(|slug| tree.find(slug)).map(|(c, parent)| parent.map_or(c.id, |p| p.id));
    let mut links = Vec::new();
    for top in &tree.0 {
        let n = count(top.id);
        if n == 0 {
            continue;
        }
        links.push(FacetLink { slug: top.slug.clone(), name: top.name.clone(), count: n, child: false });
        if open == Some(top.id) {
            for child in &top.children {
                let n = count(child.id);
                if n > 0 {
                    links.push(FacetLink { slug: child.slug.clone(), name: child.name.clone(), count: n, child: true });
                }
            }
        }
    }
    links
}
