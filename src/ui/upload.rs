//! Sending one file from the browser with upload progress: XMLHttpRequest, because `fetch`
//! reports none. The file is the raw request body; the route names what it is for. Refusals
//! come back as `{"message": …}` JSON (and `upgrade` when a paid plan lifts them).

/// A refused or failed upload, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub upgrade: bool,
}

impl Failure {
    pub fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), upgrade: false }
    }
}

/// The server's refusal body, else a message for the status (`too_large` for 413).
pub fn refusal(status: u16, body: &str, too_large: &str) -> Failure {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
        #[serde(default)]
        upgrade: bool,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(b) => Failure { message: b.message, upgrade: b.upgrade },
        Err(_) => Failure::new(match status {
            413 => too_large.to_string(),
            429 => "Too many requests. Please try again in a few minutes.".to_string(),
            _ => format!("The upload failed (HTTP {status}). Please try again."),
        }),
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::wasm_bindgen::{JsCast, closure::Closure};
    use std::{cell::RefCell, rc::Rc};
    use web_sys::{File, ProgressEvent, XmlHttpRequest};

    use super::Failure;

    /// POSTs `file` to `url`; `on_progress` gets the fraction sent (0.0–1.0) as it goes.
    /// Answers the HTTP status and body once the request has ended.
    pub async fn send(file: &File, url: &str, on_progress: impl Fn(f64) + 'static) -> Result<(u16, String), Failure> {
        let broken = |_| Failure::new("The browser could not start the upload.");
        let xhr = XmlHttpRequest::new().map_err(broken)?;
        xhr.open_with_async("POST", url, true).map_err(broken)?;
        xhr.set_request_header("Accept", "application/json").map_err(broken)?;
        let (tx, rx) = futures::channel::oneshot::channel::<bool>();
        let tx = Rc::new(RefCell::new(Some(tx)));
        let finish = |ok: bool| {
            let tx = tx.clone();
            Closure::<dyn FnMut()>::new(move || {
                if let Some(tx) = tx.borrow_mut().take() {
                    let _ = tx.send(ok);
                }
            })
        };
        let (loaded, failed) = (finish(true), finish(false));
        let progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            if e.length_computable() && e.total() > 0.0 {
                on_progress(e.loaded() / e.total());
            }
        });
        xhr.upload().map_err(broken)?.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        xhr.set_onload(Some(loaded.as_ref().unchecked_ref()));
        xhr.set_onerror(Some(failed.as_ref().unchecked_ref()));
        xhr.set_onabort(Some(failed.as_ref().unchecked_ref()));
        xhr.send_with_opt_blob(Some(file)).map_err(broken)?;
        // The closures must live until the request has ended.
        let ended = rx.await.unwrap_or(false);
        drop((loaded, failed, progress));
        if !ended {
            return Err(Failure::new("The upload was interrupted. Check your connection and try again."));
        }
        Ok((xhr.status().unwrap_or(0), xhr.response_text().ok().flatten().unwrap_or_default()))
    }
}

#[cfg(feature = "hydrate")]
pub use imp::send;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_servers_message_and_upgrade_offer() {
        let f = refusal(403, r#"{"message":"Transcription is part of the paid plans.","upgrade":true}"#, "big");
        assert_eq!(f, Failure { message: "Transcription is part of the paid plans.".into(), upgrade: true });
        assert_eq!(refusal(413, "<html>", "The file is larger than 25 MB.").message, "The file is larger than 25 MB.");
    }
}
