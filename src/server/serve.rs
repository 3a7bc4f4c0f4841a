//! `threadr serve`: connect, migrate, listen, and stop gracefully.

use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use std::{future::Future, net::SocketAddr, path::Path};
use tokio::net::TcpListener;

use tokio_util::sync::CancellationToken;

use super::{config::Config, db, error::StartupError, http, state::AppState};
use crate::features::email;

pub async fn run(config: Config) -> Result<(), StartupError> {
    let site = site_options(&config)?;
    crate::features::catalogue::images::MediaStore::from_config(&config.media)
        .map_err(|e| StartupError::Input(format!("marketplace photo storage: {e}")))?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;
    crate::features::admin::apply_startup_switch(&pool, config.maintenance.as_ref())
        .await
        .map_err(|e| StartupError::Serve(std::io::Error::other(format!("MAINTENANCE_MODE: {e}"))))?;
    let addr = site.site_addr;
    let listener = TcpListener::bind(addr).await.map_err(|source| StartupError::Bind { addr, source })?;
    let mail_worker = email::worker_from_config(&config, &pool).map_err(StartupError::Email)?;

    let stop = CancellationToken::new();
    let worker = tokio::spawn(mail_worker.run(stop.child_token()));
    let session_cleanup = tokio::spawn(crate::features::accounts::cleanup::run(pool.clone()));
    let stuck_letters = tokio::spawn(crate::features::letters::stuck::run(
        pool.clone(),
        std::sync::Arc::new(super::clock::SystemClock),
    ));
    tracing::info!(%addr, version = crate::VERSION, "listening");
    let shutdown = {
        let stop = stop.clone();
        async move {
            shutdown_signal().await;
            stop.cancel();
        }
    };
    let state = AppState::new(config, site, pool);
    let background = crate::features::spawn_background(state.clone());
    let served = serve(listener, state, shutdown).await;
    // HTTP has drained; let the mail worker finish the message in hand.
    stop.cancel();
    session_cleanup.abort();
    stuck_letters.abort();
    background.iter().for_each(tokio::task::JoinHandle::abort);
    let _ = worker.await;
    tracing::info!("stopped");
    served
}

/// Serves the app on `listener` until `shutdown` resolves, then lets in-flight requests finish.
/// Tests call this with their own listener and state.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartupError> {
    let app = http::router(state);
    // Without TCP_NODELAY small responses wait ~40 ms on delayed ACKs (20x less throughput).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(StartupError::Serve)
}

/// Site settings: `Leptos.toml`, overridden by `LEPTOS_*` variables.
pub fn site_options(config: &Config) -> Result<LeptosOptions, StartupError> {
    let mut options = leptos::config::get_configuration(Some("Leptos.toml"))
        .map_err(|e| StartupError::Site(format!("{e} (run from the folder that holds Leptos.toml)")))?
        .leptos_options;
    if let Some(addr) = config.site_addr {
        options.site_addr = addr;
    }
    if options.hash_files {
        // Leptos reads the hash file next to the executable on the first page request and
        // panics if it is missing; refuse to start instead.
        let hash_file =
            std::env::current_exe().ok().and_then(|exe| exe.parent().map(|dir| dir.join(options.hash_file.as_ref())));
        if !hash_file.as_deref().is_some_and(Path::exists) {
            return Err(StartupError::Site(format!(
                "hash-files is on but {} is missing: build with `cargo leptos build`, or set LEPTOS_HASH_FILES=false",
                hash_file.map(|p| p.display().to_string()).unwrap_or_else(|| options.hash_file.to_string())
            )));
        }
    }
    Ok(options)
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}

#[cfg(test)]
mod tests {
    use leptos::config::get_config_from_str;

    /// cargo-leptos reads Cargo.toml, the server reads Leptos.toml: the values both need must agree.
    #[test]
    fn leptos_toml_agrees_with_cargo_toml() {
        let build =
            get_config_from_str(include_str!("../../Cargo.toml")).expect("Cargo.toml has [package.metadata.leptos]");
        let run = get_config_from_str(include_str!("../../Leptos.toml")).expect("Leptos.toml parses");
        assert_eq!(build.output_name, run.output_name);
        assert_eq!(build.site_root, run.site_root);
        assert_eq!(build.site_pkg_dir, run.site_pkg_dir);
        assert_eq!(build.hash_files, run.hash_files);
        assert_eq!(build.site_addr, run.site_addr);
        assert_eq!(build.reload_port, run.reload_port);
    }
}
