//! The audio upload in the browser (`ui::upload` sends it with progress). The file's name
//! travels in the query.

pub use crate::ui::upload::Failure;

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::web_sys::HtmlInputElement;

    use super::Failure;
    use crate::features::tools::model::{TRANSCRIBE_UPLOAD_PATH, Transcript};
    use crate::ui::upload::{refusal, send};

    /// The chosen file's name and size in bytes.
    pub fn chosen(input: &HtmlInputElement) -> Option<(String, f64)> {
        let file = input.files()?.get(0)?;
        Some((file.name(), file.size()))
    }

    /// Sends the chosen file; `on_progress` gets the fraction sent (0.0–1.0) as it goes.
    pub async fn upload(input: &HtmlInputElement, on_progress: impl Fn(f64) + 'static) -> Result<Transcript, Failure> {
        let file = input.files().and_then(|f| f.get(0)).ok_or_else(|| Failure::new("Choose an audio file first."))?;
        let name: String = js_sys::encode_uri_component(&file.name()).into();
        let (status, body) = send(&file, &format!("{TRANSCRIBE_UPLOAD_PATH}?name={name}"), on_progress).await?;
        if status == 200 {
            serde_json::from_str(&body).map_err(|_| Failure::new("The transcript could not be read. Please try again."))
        } else {
            Err(refusal(status, &body, "The file is larger than 25 MB."))
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
