//! What the AI providers are asked. The server, not the model, enforces X's limit afterwards.

use super::model::ThreadRequest;
use crate::features::ai::{Prompt, Task, ThreadTask};

pub fn thread(source: &str, request: &ThreadRequest) -> Prompt {
    let count = match request.posts {
        Some(n) => format!("exactly {n} posts"),
        None => "as many posts as the material needs, at most 25".to_string(),
    };
    let system = format!(
        "You turn source material into an X (Twitter) thread. Write {count} in a {tone} tone. \
         The first post is a hook that makes people want to read on. Each post stands on its own, \
         is at most 260 characters, and has no numbering and no hashtags unless the source uses them. \
         Keep facts from the source; invent nothing. Separate posts with a line containing only ---. \
         Output only the posts.",
        tone = request.tone.as_str(),
    );
    Prompt {
        system,
        user: format!("Source material:\n\n{source}"),
        max_output_tokens: 4000,
        task: Task::Thread(ThreadTask {
            source: source.to_string(),
            options: crate::features::threads::offline::ThreadOptions {
                tone: request.tone,
                posts: request.posts,
                numbering: request.numbering,
            },
        }),
    }
}
