//! What the thread pages ask of the browser: the clipboard, downloads and the visitor's draft
//! in localStorage. On the server (never called there) each is a no-op, so components compile
//! for both.

#[cfg(feature = "hydrate")]
mod imp {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

    pub async fn copy(text: &str) -> Result<(), String> {
        let window = web_sys::window().ok_or("No browser window.")?;
        let promise = window.navigator().clipboard().write_text(text);
        wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map(|_| ())
            .map_err(|_| "The browser did not allow copying. Select the text and copy it by hand.".to_string())
    }

    pub fn download(file_name: &str, mime: &str, content: &str) -> Result<(), String> {
        let fail = |_| "The download could not start.".to_string();
        let parts = js_sys::Array::of1(&JsValue::from_str(content));
        let options = BlobPropertyBag::new();
        options.set_type(mime);
        let blob = Blob::new_with_str_sequence_and_options(&parts, &options).map_err(fail)?;
        let url = Url::create_object_url_with_blob(&blob).map_err(fail)?;
        let document = web_sys::window().and_then(|w| w.document()).ok_or("No document.")?;
        let link: HtmlAnchorElement = document.create_element("a").map_err(fail)?.unchecked_into();
        link.set_href(&url);
        link.set_download(file_name);
        link.click();
        // The browser has taken the file once the click is handled.
        leptos::prelude::set_timeout(move || drop(Url::revoke_object_url(&url)), std::time::Duration::from_secs(1));
        Ok(())
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    pub fn load(key: &str) -> Option<String> {
        storage()?.get_item(key).ok().flatten()
    }

    pub fn store(key: &str, value: &str) {
        if let Some(s) = storage() {
            // Full or blocked storage: the draft then lives only in the page.
            let _ = s.set_item(key, value);
        }
    }

    pub fn remove(key: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(key);
        }
    }
}

#[cfg(not(feature = "hydrate"))]
mod imp {
    pub async fn copy(_text: &str) -> Result<(), String> {
        Err("Copying needs the browser.".into())
    }
    pub fn download(_file_name: &str, _mime: &str, _content: &str) -> Result<(), String> {
        Err("Downloading needs the browser.".into())
    }
    pub fn load(_key: &str) -> Option<String> {
        None
    }
    pub fn store(_key: &str, _value: &str) {}
    pub fn remove(_key: &str) {}
}

pub use imp::{copy, download, load, remove, store};
