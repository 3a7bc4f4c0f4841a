//! The audio upload in the browser: XMLHttpRequest, because `fetch` reports no upload
//! progress. The file is sent as the raw request body; its name travels in the query.

/// A refused or failed upload, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub message: String,
    pub upgrade: bool,
}

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Self { message: message.into(), upgrade: false }
    }
}

/// The server's refusal body, else a message for the status.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn refusal(status: u16, body: &str) -> Failure {
    #[derive(serde::Deserialize)]
    struct Body {
        message: String,
        #[serde(default)]
        upgrade: bool,
    }
    match serde_json::from_str::<Body>(body) {
        Ok(b) => Failure { message: b.message, upgrade: b.upgrade },
        Err(_) => Failure::new(match status {
            413 => "The file is larger than 25 MB.".to_string(),
            429 => "Too many requests. Please try again in a few minutes.".to_string(),
            _ => format!("The upload failed (HTTP {status}). Please try again."),
        }),
    }
}

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::wasm_bindgen::{JsCast, closure::Closure};
    use leptos::web_sys::HtmlInputElement;
    use std::{cell::RefCell, rc::Rc};
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::{Failure, refusal};
    use crate::features::tools::model::{TRANSCRIBE_UPLOAD_PATH, Transcript};

    /// The chosen file's name and size in bytes.
    pub fn chosen(input: &HtmlInputElement) -> Option<(String, f64)> {
        let file = input.files()?.get(0)?;
        Some((file.name(), file.size()))
    }

    /// Sends the chosen file; `on_progress` gets the fraction sent (0.0–1.0) as it goes.
    pub async fn upload(input: &HtmlInputElement, on_progress: impl Fn(f64) + 'static) -> Result<Transcript, Failure> {
        let file = input.files().and_then(|f| f.get(0)).ok_or_else(|| Failure::new("Choose an audio file first."))?;
        let broken = |_| Failure::new("The browser could not start the upload.");
        let xhr = XmlHttpRequest::new().map_err(broken)?;
        let name: String = js_sys::encode_uri_component(&file.name()).into();
        xhr.open_with_async("POST", &format!("{TRANSCRIBE_UPLOAD_PATH}?name={name}"), true).map_err(broken)?;
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
        xhr.send_with_opt_blob(Some(&file)).map_err(broken)?;
        // The closures must live until the request has ended.
        let ended = rx.await.unwrap_or(false);
        drop((loaded, failed, progress));
        if !ended {
            return Err(Failure::new("The upload was interrupted. Check your connection and try again."));
        }
        let status = xhr.status().unwrap_or(0);
        let body = xhr.response_text().ok().flatten().unwrap_or_default();
        if status == 200 {
            serde_json::from_str(&body).map_err(|_| Failure::new("The transcript could not be read. Please try again."))
        } else {
            Err(refusal(status, &body))
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    use super::Failure;
    use crate::features::tools::model::Transcript;
    use leptos::web_sys::HtmlInputElement;

    pub fn chosen(_input: &HtmlInputElement) -> Option<(String, f64)> {
        None
    }

    pub async fn upload(
        _input: &HtmlInputElement,
        _on_progress: impl Fn(f64) + 'static,
    ) -> Result<Transcript, Failure> {
        Err(Failure::new("Uploading needs the browser."))
    }
}

pub use imp::{chosen, upload};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_servers_message_and_upgrade_offer() {
        let f = refusal(403, r#"{"message":"Transcription is part of the paid plans.","upgrade":true}"#);
        assert_eq!(f, Failure { message: "Transcription is part of the paid plans.".into(), upgrade: true });
        assert_eq!(refusal(413, "<html>").message, "The file is larger than 25 MB.");
    }
}
