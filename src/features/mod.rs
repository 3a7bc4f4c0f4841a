//! One folder per capability. Each keeps its pages, server functions (`api`), domain types
//! and SQL (`db`, server only) together; other features call it through its `mod.rs`.

pub mod accounts;
pub mod admin;
#[cfg(feature = "ssr")]
pub mod ai;
pub mod assistant;
pub mod billing;
pub mod catalogue;
pub mod commerce;
pub mod email;
pub mod history;
pub mod letters;
pub mod messaging;
pub mod quotas;
pub mod status;
pub mod threads;
pub mod tools;

/// The offline provider's writer: each kind of task is written by the feature it belongs to.
#[cfg(feature = "ssr")]
pub fn offline_writer() -> ai::OfflineWriter {
    std::sync::Arc::new(|task: &ai::Task| match task {
        ai::Task::Thread(t) => threads::write_offline(t),
        ai::Task::Chat(t) => assistant::write_offline(t),
        ai::Task::Letter(t) => letters::write_offline(t),
        ai::Task::Description(d) => tools::write_offline_description(d),
    })
}

/// The features' gauges `/metrics` shows, read at scrape time (queue depths and ages).
#[cfg(feature = "ssr")]
pub async fn record_ops_gauges(state: &crate::server::state::AppState) -> Result<(), sqlx::Error> {
    admin::ops_metrics::record(&state.db).await
}

/// The features' background tasks (search, view counts, photo sweeps, marketplace money).
#[cfg(feature = "ssr")]
pub fn spawn_background(state: crate::server::state::AppState) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = catalogue::spawn_background(state.clone());
    tasks.push(commerce::spawn_background(state.clone()));
    tasks.extend(messaging::spawn_background(state.clone()));
    tasks.push(tokio::spawn(admin::analytics::job::run(state.clone())));
    let thresholds = admin::alerts::thresholds(&state.config);
    tasks.push(tokio::spawn(admin::alerts::evaluate::run(state, thresholds)));
    tasks
}
