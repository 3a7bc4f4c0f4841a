//! The built-in provider: no network, no key, the same answer for the same task. The writing
//! itself (sentence segmentation, packing, hook, numbering) is the threads feature's, handed
//! in as an [`OfflineWriter`].

use super::{
    AiError, Chunk, ChunkStream, POST_SEPARATOR, Prompt, Provider, ProviderName, Task, Usage, estimate_tokens,
};
use std::sync::Arc;

/// Writes the answer to a task in pieces: a thread's posts (the provider puts the post
/// separator between them), or consecutive pieces of any other text (streamed as they are).
pub type OfflineWriter = Arc<dyn Fn(&Task) -> Vec<String> + Send + Sync>;

/// The model name the request log and price table use for the offline provider.
pub const OFFLINE_MODEL: &str = "offline";

pub struct OfflineProvider {
    writer: OfflineWriter,
    pace: std::time::Duration,
}

impl OfflineProvider {
    pub fn new(writer: OfflineWriter) -> Self {
        Self { writer, pace: std::time::Duration::ZERO }
    }

    /// Waits this long before each post, so demos and browser tests see posts arrive one by
    /// one as they would from a hosted model (`AI_OFFLINE_PACE_MS`).
    pub fn paced(self, pace: std::time::Duration) -> Self {
        Self { pace, ..self }
    }
}

#[async_trait::async_trait]
impl Provider for OfflineProvider {
    fn name(&self) -> ProviderName {
        ProviderName::Offline
    }

    fn model(&self) -> &str {
        OFFLINE_MODEL
    }

    /// One chunk per post (with the separator after every post but the last), then the usage
    /// estimated from characters as if a model had read the source and written the posts.
    async fn stream(&self, prompt: Prompt) -> Result<ChunkStream, AiError> {
        let input_chars = prompt.task.input_chars();
        let separated = prompt.task.is_thread();
        let posts = (self.writer)(&prompt.task);
        let last = posts.len().saturating_sub(1);
        let mut output_chars = 0;
        let mut chunks: Vec<Result<Chunk, AiError>> = posts
            .into_iter()
            .enumerate()
            .map(|(i, mut post)| {
                if separated && i < last {
                    post.push_str(POST_SEPARATOR);
                }
                output_chars += post.chars().count();
                Ok(Chunk::Text(post))
            })
            .collect();
        chunks.push(Ok(Chunk::Usage(Usage {
            input_tokens: estimate_tokens(input_chars),
            output_tokens: estimate_tokens(output_chars),
            estimated: true,
        })));
        let pace = self.pace;
        if pace.is_zero() {
            return Ok(Box::pin(futures_util::stream::iter(chunks)));
        }
        Ok(Box::pin(futures_util::StreamExt::then(futures_util::stream::iter(chunks), move |chunk| async move {
            if matches!(chunk, Ok(Chunk::Text(_))) {
                tokio::time::sleep(pace).await;
            }
            chunk
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::ai::{ThreadTask, split_posts};
    use futures_util::StreamExt;

    fn provider() -> OfflineProvider {
        // Stands in for the packer: one post per sentence.
        OfflineProvider::new(Arc::new(|task: &Task| match task {
            Task::Thread(t) => t.source.split_inclusive('.').map(|s| s.trim().to_string()).collect(),
            #[allow(unreachable_patterns)]
            _ => Vec::new(),
        }))
    }

    fn prompt(source: &str) -> Prompt {
        Prompt::thread(ThreadTask { source: source.into(), tone: String::new(), posts: None, numbering: "none".into() })
    }

    async fn collect(provider: &OfflineProvider, source: &str) -> Vec<Chunk> {
        let stream = provider.stream(prompt(source)).await.expect("offline never fails");
        stream.map(|c| c.expect("no errors")).collect().await
    }

    #[tokio::test]
    async fn posts_stream_one_chunk_each_then_estimated_usage() {
        let chunks = collect(&provider(), "One two. Three four five. Six.").await;
        assert_eq!(
            chunks[..3],
            [
                Chunk::Text(format!("One two.{POST_SEPARATOR}")),
                Chunk::Text(format!("Three four five.{POST_SEPARATOR}")),
                Chunk::Text("Six.".into()),
            ]
        );
        let text: String =
            chunks.iter().filter_map(|c| if let Chunk::Text(t) = c { Some(t.as_str()) } else { None }).collect();
        assert_eq!(split_posts(&text), ["One two.", "Three four five.", "Six."]);
        assert_eq!(
            chunks[3],
            Chunk::Usage(Usage {
                input_tokens: estimate_tokens(30),
                output_tokens: estimate_tokens(text.chars().count()),
                estimated: true
            })
        );
        assert_eq!(chunks.len(), 4);
    }

    #[tokio::test]
    async fn the_same_task_gives_the_same_answer() {
        let p = provider();
        let source = "Déjà vu. Again. And again.";
        assert_eq!(collect(&p, source).await, collect(&p, source).await);
        assert_eq!((p.name().as_str(), p.model()), ("offline", "offline"));
    }
}
