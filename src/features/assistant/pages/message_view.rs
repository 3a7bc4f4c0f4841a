//! One message on screen: the person's as plain text, a reply as safe Markdown with its
//! actions (send to the thread editor or to a letter) and how it ended.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::features::assistant::markdown;
use crate::features::assistant::model::{ChatMessage, MessageStatus, Speaker};

/// Styles for the HTML a reply renders to (no typography plugin: a few element rules).
pub const REPLY: &str = "min-w-0 break-words leading-relaxed [&_a]:text-indigo-700 [&_a]:underline dark:[&_a]:text-indigo-300 [&_blockquote]:border-l-4 [&_blockquote]:pl-3 [&_code]:font-mono [&_code]:text-sm [&_h1]:mt-3 [&_h1]:text-xl [&_h1]:font-bold [&_h2]:mt-3 [&_h2]:text-lg [&_h2]:font-semibold [&_h3]:mt-3 [&_h3]:font-semibold [&_li]:mt-1 [&_ol]:mt-2 [&_ol]:list-decimal [&_ol]:pl-6 [&_p]:mt-2 [&_pre]:mt-2 [&_pre]:overflow-x-auto [&_pre]:rounded [&_pre]:bg-slate-100 [&_pre]:p-3 dark:[&_pre]:bg-slate-800 [&_table]:mt-2 [&_table]:block [&_table]:overflow-x-auto [&_td]:border [&_td]:px-2 [&_th]:border [&_th]:px-2 [&_ul]:mt-2 [&_ul]:list-disc [&_ul]:pl-6";

const ACTION: &str = "inline-flex min-h-11 items-center rounded-md border border-slate-300 px-3 text-sm font-medium hover:bg-slate-100 focus-visible:outline-2 focus-visible:outline-indigo-700 dark:border-slate-700 dark:hover:bg-slate-800";

/// A query value, percent-encoded (everything but unreserved characters).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len() * 3);
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[component]
pub fn MessageView(message: ChatMessage) -> impl IntoView {
    match message.role {
        Speaker::User => view! {
            <li class="ml-auto max-w-[85%] rounded-lg bg-indigo-50 p-3 dark:bg-indigo-950">
                <p class="sr-only">"You:"</p>
                <p class="whitespace-pre-wrap break-words">{message.content}</p>
            </li>
        }
        .into_any(),
        Speaker::Assistant => {
            let note = match message.status {
                MessageStatus::Complete => None,
                MessageStatus::Stopped => Some("Stopped: this reply is incomplete."),
                MessageStatus::Failed => Some("The AI service failed part-way: this reply is incomplete."),
            };
            let html = markdown::render(&message.content);
            view! {
                <li class="max-w-full rounded-lg border border-slate-300 p-3 dark:border-slate-700">
                    <p class="sr-only">"Assistant:"</p>
                    <div class=REPLY inner_html=html></div>
                    {note.map(|n| view! { <p class="mt-2 text-sm font-semibold text-amber-800 dark:text-amber-300">{n}</p> })}
                    <ReplyActions text=message.content/>
                </li>
            }
            .into_any()
        }
    }
}

#[component]
pub fn ReplyActions(text: String) -> impl IntoView {
    let text = markdown::plain(&text);
    let to_thread = format!("/threads/new?text={}", encode(&text));
    let to_letter = format!("/letters/new?facts={}", encode(&text));
    view! {
        <div class="mt-3 flex flex-wrap gap-2">
            <A href=to_thread attr:class=ACTION>"Send to thread editor"</A>
            <A href=to_letter attr:class=ACTION>"Send to letter"</A>
        </div>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("a b&c=d/é\n"), "a%20b%26c%3Dd%2F%C3%A9%0A");
    }
}
