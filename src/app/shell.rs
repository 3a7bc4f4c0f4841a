use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags};

use super::App;

/// The HTML document around the app. Runs on the server for every page request.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The page's Content-Security-Policy names this nonce; Leptos puts it on its scripts.
    #[cfg(feature = "ssr")]
    crate::server::http::security::provide_request_nonce();

    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="description" content="Threadr turns your ideas into X threads, product descriptions and formal letters, with a marketplace to sell what you make."/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                <HashedStylesheet options id="leptos"/>
                <MetaTags/>
            </head>
            <body class="flex min-h-screen flex-col bg-white text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App/>
            </body>
        </html>
    }
}
