//! A listing's photos on its edit page: add several at once (each with its own progress bar
//! and outcome), move them earlier or later (the first is the listing's card), delete.

use leptos::prelude::*;
use uuid::Uuid;

use super::card::Photo;
use crate::features::catalogue::api::{delete_image, reorder_images};
use crate::features::catalogue::model::{ImageRef, MAX_IMAGES};
use crate::ui::form::BUTTON_SECONDARY;

/// Where a listing's photos are uploaded, one file per request.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn upload_path(product: Uuid) -> String {
    format!("/sell/products/{product}/images")
}

#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Progress {
    Sending(f64),
    Processing,
    Done,
    Failed(String),
}

#[derive(Clone, Debug, PartialEq)]
struct Upload {
    key: u64,
    name: String,
    progress: RwSignal<Progress>,
}

#[component]
pub fn PhotoManager(product: Uuid, images: Vec<ImageRef>) -> impl IntoView {
    let images = RwSignal::new(images);
    let uploads = RwSignal::new(Vec::<Upload>::new());
    let message = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();

    let on_change = move |_| {
        let Some(element) = input.get() else { return };
        start_uploads(product, &element, images, uploads, message);
        element.set_value("");
    };
    let apply = move |result: Result<Vec<ImageRef>, crate::error::AppError>, done: &str| {
        busy.set(false);
        match result {
            Ok(list) => {
                images.set(list);
                message.set(Some(done.to_string()));
            }
            Err(e) => message.set(Some(e.to_string())),
        }
    };
    let move_photo = move |from: usize, to: usize| {
        let mut order: Vec<Uuid> = images.get_untracked().iter().map(|i| i.id).collect();
        if to >= order.len() {
            return;
        }
        order.swap(from, to);
        busy.set(true);
        leptos::task::spawn_local(async move {
            apply(reorder_images(product, order).await, &format!("Photo moved to position {}.", to + 1));
        });
    };
    let remove = move |image: Uuid| {
        busy.set(true);
        leptos::task::spawn_local(async move { apply(delete_image(product, image).await, "Photo deleted.") });
    };

    view! {
        <section aria-labelledby="photos-title" class="mt-10 max-w-3xl">
            <h2 id="photos-title" class="text-xl font-semibold">"Photos"</h2>
            <p class="mt-1 text-slate-700 dark:text-slate-300">
                {format!("Up to {MAX_IMAGES} JPEG, PNG or WebP photos of at most 8 MB each. The first one is shown on cards and in search.")}
            </p>
            <div class="mt-4">
                <label for="listing-photos"
                    class="inline-flex min-h-11 cursor-pointer items-center rounded-md border border-slate-400 px-4 font-semibold hover:bg-slate-100 focus-within:outline-2 focus-within:outline-indigo-700 dark:border-slate-600 dark:hover:bg-slate-800">
                    "Add photos"
                </label>
                <input id="listing-photos" node_ref=input type="file" multiple accept="image/jpeg,image/png,image/webp"
                    class="sr-only" on:change=on_change
                    disabled=move || { images.read().len() >= MAX_IMAGES }/>
            </div>
            <ul aria-label="Uploads" class="mt-3 space-y-2 empty:hidden">
                <For each=move || uploads.get() key=|u| u.key let:upload>
                    <UploadRow upload/>
                </For>
            </ul>
            <p role="status" class="mt-2 empty:hidden">{move || message.get()}</p>
            {move || {
                let list = images.get();
                let count = list.len();
                if count == 0 {
                    return view! {
                        <p class="mt-4 rounded-md border border-dashed border-slate-400 p-6 text-center">
                            "No photos yet. Listings with photos sell far better."
                        </p>
                    }.into_any();
                }
                view! {
                    <ol aria-label="Photos in order" class="mt-4 grid grid-cols-2 gap-4 sm:grid-cols-4">
                        {list.into_iter().enumerate().map(|(n, image)| {
                            let id = image.id;
                            view! {
                                <li class="rounded-lg border border-slate-200 p-2 dark:border-slate-800">
                                    <Photo image variant="thumb" sizes="200px" class="aspect-square w-full rounded object-cover"/>
                                    <p class="mt-1 text-sm">{format!("Photo {} of {count}", n + 1)}</p>
                                    <div class="mt-1 flex flex-wrap gap-1">
                                        <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() || n == 0
                                            aria-label=format!("Move photo {} earlier", n + 1)
                                            on:click=move |_| move_photo(n, n.wrapping_sub(1))>"←"</button>
                                        <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get() || n + 1 == count
                                            aria-label=format!("Move photo {} later", n + 1)
                                            on:click=move |_| move_photo(n, n + 1)>"→"</button>
                                        <button type="button" class=BUTTON_SECONDARY disabled=move || busy.get()
                                            aria-label=format!("Delete photo {}", n + 1)
                                            on:click=move |_| remove(id)>"Delete"</button>
                                    </div>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn UploadRow(upload: Upload) -> impl IntoView {
    let progress = upload.progress;
    let label_id = format!("upload-{}", upload.key);
    view! {
        <li class="rounded-md border border-slate-200 p-2 dark:border-slate-800">
            <p id=label_id.clone() class="break-all text-sm font-medium">{upload.name.clone()}</p>
            {move || match progress.get() {
                Progress::Sending(fraction) => view! {
                    <progress class="mt-1 h-3 w-full" max="100" value=format!("{:.0}", fraction * 100.0)
                        aria-labelledby=label_id.clone()></progress>
                    <p class="text-sm">{format!("Uploading… {:.0}%", fraction * 100.0)}</p>
                }.into_any(),
                Progress::Processing => view! { <p class="text-sm">"Uploaded. Making sizes for phones and screens…"</p> }.into_any(),
                Progress::Done => view! { <p class="text-sm text-emerald-800 dark:text-emerald-300">"Added."</p> }.into_any(),
                Progress::Failed(message) => view! {
                    <p role="alert" class="text-sm font-semibold text-red-700 dark:text-red-300">{message}</p>
                }.into_any(),
            }}
        </li>
    }
}

#[cfg(feature = "hydrate")]
fn start_uploads(
    product: Uuid,
    element: &web_sys::HtmlInputElement,
    images: RwSignal<Vec<ImageRef>>,
    uploads: RwSignal<Vec<Upload>>,
    message: RwSignal<Option<String>>,
) {
    use crate::ui::upload::{refusal, send};
    let Some(files) = element.files() else { return };
    let room = MAX_IMAGES.saturating_sub(images.get_untracked().len());
    let chosen: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
    if chosen.len() > room {
        message.set(Some(format!(
            "Only {room} more photo{} fit (a listing has at most {MAX_IMAGES}); the first {room} are being added.",
            if room == 1 { "" } else { "s" }
        )));
    }
    let start = uploads.get_untracked().iter().map(|u| u.key + 1).max().unwrap_or(0);
    let queued: Vec<(web_sys::File, Upload)> = chosen
        .into_iter()
        .take(room)
        .enumerate()
        .map(|(n, file)| {
            let upload =
                Upload { key: start + n as u64, name: file.name(), progress: RwSignal::new(Progress::Sending(0.0)) };
            (file, upload)
        })
        .collect();
    uploads.update(|list| list.extend(queued.iter().map(|(_, u)| u.clone())));
    // One at a time: the server decodes each photo, and a phone's upload is the bottleneck.
    leptos::task::spawn_local(async move {
        for (file, upload) in queued {
            let progress = upload.progress;
            let name: String = js_sys::encode_uri_component(&file.name()).into();
            let url = format!("{}?name={name}", upload_path(product));
            let sent = send(&file, &url, move |f| {
                progress.set(if f >= 1.0 { Progress::Processing } else { Progress::Sending(f) })
            })
            .await;
            let outcome = match sent {
                Ok((200, body)) => match serde_json::from_str::<Vec<ImageRef>>(&body) {
                    Ok(list) => {
                        images.set(list);
                        Progress::Done
                    }
                    Err(_) => {
                        Progress::Failed("The photo was added, but the page could not show it. Reload the page.".into())
                    }
                },
                Ok((status, body)) => {
                    Progress::Failed(refusal(status, &body, "The photo is larger than 8 MB.").message)
                }
                Err(failure) => Progress::Failed(failure.message),
            };
            progress.set(outcome);
        }
    });
}

#[cfg(not(feature = "hydrate"))]
fn start_uploads(
    _product: Uuid,
    _element: &leptos::web_sys::HtmlInputElement,
    _images: RwSignal<Vec<ImageRef>>,
    _uploads: RwSignal<Vec<Upload>>,
    _message: RwSignal<Option<String>>,
) {
}
