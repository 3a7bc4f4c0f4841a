//! `threadr serve`: connect, migrate, listen, and stop gracefully.

use axum::serve::ListenerExt;
use leptos::prelude::LeptosOptions;
use std::{
    future::Future,
    net::SocketAddr,
    path::{Path, PathBuf},
};
use tokio::net::TcpListener;

use tokio_util::sync::CancellationToken;

use super::{config::Config, db, error::StartupError, http, state::AppState};
use crate::features::email;

pub async fn run(config: Config) -> Result<(), StartupError> {
    let site = site_options(&config)?;
    crate::features::admin::alerts::Thresholds::parse(&config.alert_thresholds)
        .map_err(|e| StartupError::Input(format!("ALERT_THRESHOLDS: {e}")))?;
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
    // Request minutes for alerts: written every 15 s, and once more after the last request.
    super::observe::set_process_minutes(state.observe.minutes.clone());
    let minutes = tokio::spawn(state.observe.minutes.clone().run(state.db.clone(), stop.child_token()));
    let served = serve(listener, state, shutdown).await;
    // HTTP has drained; let the mail worker finish the message in hand.
    stop.cancel();
    session_cleanup.abort();
    stuck_letters.abort();
    background.iter().for_each(tokio::task::JoinHandle::abort);
    let _ = worker.await;
    let _ = minutes.await;
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

/// The file that holds the site settings in the source tree.
pub const SITE_SETTINGS_FILE: &str = "Leptos.toml";
/// The site folder a binary outside the source tree serves when `LEPTOS_SITE_ROOT` is unset:
/// `site/` in the working directory, else `site/` next to the binary.
pub const DEPLOYED_SITE_ROOT: &str = "site";
/// `Leptos.toml` as it was when this binary was built: the settings of a binary run elsewhere.
const BUILT_IN_SITE_SETTINGS: &str = include_str!("../../Leptos.toml");

/// Site settings, overridden by `LEPTOS_*` variables (`LEPTOS_SITE_ROOT`, `LEPTOS_SITE_PKG_DIR`,
/// `LEPTOS_OUTPUT_NAME`, `LEPTOS_HASH_FILES`, `LEPTOS_HASH_FILE_NAME`, `LEPTOS_SITE_ADDR`):
/// - in the source tree (a `Leptos.toml` in the working directory): that file, so the site is
///   cargo-leptos's `target/site`;
/// - anywhere else (a release folder, the container image): the same settings built into the
///   binary, with the site folder `site/` of the working directory or of the binary's folder.
pub fn site_options(config: &Config) -> Result<LeptosOptions, StartupError> {
    let exe_dir = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf));
    let mut options = resolve_site(Path::new("."), exe_dir.as_deref()).map_err(StartupError::Site)?;
    if let Some(addr) = config.site_addr {
        options.site_addr = addr;
    }
    Ok(options)
}

/// [`site_options`] for a working directory and the binary's folder (tests pass their own).
pub fn resolve_site(workdir: &Path, exe_dir: Option<&Path>) -> Result<LeptosOptions, String> {
    let settings_file = workdir.join(SITE_SETTINGS_FILE);
    let in_tree = settings_file.is_file();
    let text = if in_tree {
        std::fs::read_to_string(&settings_file).map_err(|e| format!("{}: {e}", settings_file.display()))?
    } else {
        BUILT_IN_SITE_SETTINGS.to_string()
    };
    // Layers the LEPTOS_* variables over the file.
    let mut options = leptos::config::get_config_from_str(&text).map_err(|e| e.to_string())?;
    let root_from_env = std::env::var_os("LEPTOS_SITE_ROOT").is_some();
    if root_from_env || in_tree {
        options.site_root = under(workdir, &options.site_root).into();
    } else {
        let candidates: Vec<PathBuf> = std::iter::once(workdir.join(DEPLOYED_SITE_ROOT))
            .chain(exe_dir.map(|dir| dir.join(DEPLOYED_SITE_ROOT)))
            .collect();
        let Some(site) = candidates.iter().find(|dir| dir.is_dir()) else {
            return Err(format!(
                "no {SITE_SETTINGS_FILE} in the working directory and no site folder at {}: run from the folder that \
                 holds `{DEPLOYED_SITE_ROOT}/` (cargo leptos build --release writes it to target/site), or set LEPTOS_SITE_ROOT",
                candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" or ")
            ));
        };
        options.site_root = site.display().to_string().into();
    }
    if options.hash_files {
        options.hash_file = hash_file(&options, exe_dir)?.into();
    }
    Ok(options)
}

/// `path` relative to `workdir` (unchanged when the working directory is the current one).
fn under(workdir: &Path, path: &str) -> String {
    if workdir == Path::new(".") || Path::new(path).is_absolute() {
        path.to_string()
    } else {
        workdir.join(path).display().to_string()
    }
}

/// Leptos reads the hash file (the hashed names of the wasm, JS and CSS) at the path it joins to
/// the binary's folder on the first page, and panics when it is missing. cargo-leptos writes it
/// next to the binary; a deployment may keep it there or in the site folder. Returns the
/// absolute path of the one found (an absolute name replaces the binary's folder in that join),
/// or refuses to start.
fn hash_file(options: &LeptosOptions, exe_dir: Option<&Path>) -> Result<String, String> {
    let name = Path::new(options.hash_file.as_ref());
    let candidates: Vec<PathBuf> = if name.is_absolute() {
        vec![name.to_path_buf()]
    } else {
        exe_dir
            .map(|dir| dir.join(name))
            .into_iter()
            .chain([Path::new(options.site_root.as_ref()).join(name)])
            .collect()
    };
    match candidates.iter().find(|p| p.is_file()) {
        Some(found) => Ok(std::path::absolute(found).unwrap_or_else(|_| found.clone()).display().to_string()),
        None => Err(format!(
            "hash-files is on but {} is missing: build with `cargo leptos build` (it writes {} next to the binary) \
             and keep it next to the binary or in the site folder, or set LEPTOS_HASH_FILES=false",
            candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and "),
            options.hash_file
        )),
    }
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

    use super::{DEPLOYED_SITE_ROOT, resolve_site};
    use std::path::{Path, PathBuf};

    /// An empty scratch folder (removed by the caller's `cleanup`).
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("threadr-site-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn cleanup(dirs: &[&Path]) {
        for dir in dirs {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// These tests are about the defaults: a LEPTOS_SITE_ROOT of the caller's would change them.
    fn site_root_overridden() -> bool {
        std::env::var_os("LEPTOS_SITE_ROOT").is_some()
    }

    #[test]
    fn outside_the_source_tree_the_site_folder_of_the_working_directory_is_served() {
        if site_root_overridden() {
            return;
        }
        let (work, bin) = (scratch("work"), scratch("bin"));
        std::fs::create_dir_all(work.join(DEPLOYED_SITE_ROOT).join("pkg")).unwrap();
        std::fs::create_dir_all(bin.join(DEPLOYED_SITE_ROOT)).unwrap();
        std::fs::write(work.join(DEPLOYED_SITE_ROOT).join("hash.txt"), "js: a\nwasm: b\ncss: c\n").unwrap();
        let options = resolve_site(&work, Some(&bin)).expect("a site folder is enough");
        assert_eq!(
            Path::new(options.site_root.as_ref()),
            work.join(DEPLOYED_SITE_ROOT),
            "the working directory's first"
        );
        assert_eq!(options.output_name.as_ref(), "threadr", "built-in settings");
        assert_eq!(options.site_pkg_dir.as_ref(), "pkg");
        if options.hash_files {
            assert_eq!(Path::new(options.hash_file.as_ref()), work.join(DEPLOYED_SITE_ROOT).join("hash.txt"));
        }
        cleanup(&[&work, &bin]);
    }

    #[test]
    fn outside_the_source_tree_the_site_folder_next_to_the_binary_is_the_fallback() {
        if site_root_overridden() {
            return;
        }
        let (work, bin) = (scratch("work"), scratch("bin"));
        std::fs::create_dir_all(bin.join(DEPLOYED_SITE_ROOT)).unwrap();
        // cargo-leptos writes the hash file next to the binary: it wins over the site folder's.
        std::fs::write(bin.join("hash.txt"), "js: a\n").unwrap();
        std::fs::write(bin.join(DEPLOYED_SITE_ROOT).join("hash.txt"), "js: b\n").unwrap();
        let options = resolve_site(&work, Some(&bin)).expect("the binary's site folder");
        assert_eq!(Path::new(options.site_root.as_ref()), bin.join(DEPLOYED_SITE_ROOT));
        if options.hash_files {
            assert_eq!(Path::new(options.hash_file.as_ref()), bin.join("hash.txt"));
        }
        cleanup(&[&work, &bin]);
    }

    #[test]
    fn without_settings_or_a_site_folder_start_up_is_refused_with_what_to_do() {
        if site_root_overridden() {
            return;
        }
        let (work, bin) = (scratch("work"), scratch("bin"));
        let error = resolve_site(&work, Some(&bin)).unwrap_err();
        assert!(
            error.contains("LEPTOS_SITE_ROOT") && error.contains(&work.join("site").display().to_string()),
            "{error}"
        );
        cleanup(&[&work, &bin]);
    }

    #[test]
    fn in_the_source_tree_leptos_toml_still_decides() {
        if site_root_overridden() {
            return;
        }
        let (work, bin) = (scratch("tree"), scratch("bin"));
        std::fs::write(work.join("Leptos.toml"), include_str!("../../Leptos.toml").replace("target/site", "out/web"))
            .unwrap();
        std::fs::create_dir_all(work.join(DEPLOYED_SITE_ROOT)).unwrap(); // ignored: the file decides
        std::fs::write(bin.join("hash.txt"), "js: a\n").unwrap();
        let options = resolve_site(&work, Some(&bin)).expect("Leptos.toml");
        assert_eq!(Path::new(options.site_root.as_ref()), work.join("out/web"));
        if options.hash_files {
            assert_eq!(Path::new(options.hash_file.as_ref()), bin.join("hash.txt"));
            std::fs::remove_file(bin.join("hash.txt")).unwrap();
            let error = resolve_site(&work, Some(&bin)).unwrap_err();
            assert!(error.contains("hash-files is on") && error.contains("LEPTOS_HASH_FILES=false"), "{error}");
        }
        cleanup(&[&work, &bin]);
    }
}
