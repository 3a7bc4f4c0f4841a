//! The hosted providers against the local fakes over real HTTP: streaming, usage, retries,
//! timeouts and the rule that nothing is retried once text has been streamed.

use crate::fake_ai::{FakeAi, INPUT_TOKENS, Reply};
use futures_util::{StreamExt, future::join_all};
use std::{
    sync::Arc,
    time::{Duration, Instant},
};
use threadr::{
    features::ai::{self, AiError, Chunk, ChunkStream, Prompt, Provider, Task, ThreadTask, Usage, split_posts},
    server::config::{AiBackend, AiConfig, LlmEndpoint},
};

const OPENAI_KEY: &str = "sk-test-openai-key";
const ANTHROPIC_KEY: &str = "sk-ant-test-key";

#[derive(Clone, Copy, Debug)]
enum Which {
    OpenAi,
    Anthropic,
}

const BOTH: [Which; 2] = [Which::OpenAi, Which::Anthropic];

/// Short limits so failures are quick: 3 s in all, 1 s of silence, 10 ms first backoff.
fn config(which: Which, fake: &FakeAi) -> AiConfig {
    let backend = match which {
        Which::OpenAi => AiBackend::OpenAi(LlmEndpoint {
            api_key: OPENAI_KEY.into(),
            base_url: fake.base_url.clone(),
            model: "gpt-test-mini".into(),
        }),
        Which::Anthropic => AiBackend::Anthropic(LlmEndpoint {
            api_key: ANTHROPIC_KEY.into(),
            base_url: fake.base_url.clone(),
            model: "claude-test-haiku".into(),
        }),
    };
    AiConfig {
        backend,
        timeout: Duration::from_secs(3),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_retries: 3,
        retry_base: Duration::from_millis(10),
        offline_pace: Duration::ZERO,
    }
}

fn no_offline() -> ai::OfflineWriter {
    Arc::new(|_: &Task| panic!("the offline writer is not used by hosted providers"))
}

fn provider(config: &AiConfig) -> Arc<dyn Provider> {
    ai::from_config(config, ai::http_client(config).expect("client"), no_offline())
}

fn prompt() -> Prompt {
    Prompt::thread(ThreadTask {
        source: "Rust makes systems programming safer.".into(),
        tone: "friendly".into(),
        posts: Some(3),
        numbering: "1/n".into(),
    })
}

/// Every item of a stream, with when it arrived.
async fn drain(mut stream: ChunkStream) -> Vec<(Instant, Result<Chunk, AiError>)> {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push((Instant::now(), item));
    }
    items
}

fn text_of(items: &[(Instant, Result<Chunk, AiError>)]) -> String {
    items
        .iter()
        .filter_map(|(_, item)| match item {
            Ok(Chunk::Text(t)) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn both_providers_stream_text_as_it_comes_and_end_with_usage() {
    let answer = "A hook that grabs you.\n---\nThe middle, with détails 🎉.\n---\nThe end.";
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.script([Reply::Stream { text: answer.into(), pieces: 6, delay: Duration::from_millis(150) }]);
        let config = config(which, &fake);
        let provider = provider(&config);

        let started = Instant::now();
        let items = drain(provider.stream(prompt()).await.expect("stream starts")).await;

        assert_eq!(text_of(&items), answer, "{which:?}");
        assert_eq!(items.iter().filter(|(_, i)| matches!(i, Ok(Chunk::Text(_)))).count(), 6, "{which:?}");
        let (_, last) = items.last().unwrap();
        assert_eq!(
            last.as_ref().unwrap(),
            &Chunk::Usage(Usage { input_tokens: INPUT_TOKENS, output_tokens: 6, estimated: false }),
            "{which:?}: usage from the provider ends the stream"
        );
        let first_text = items[0].0 - started;
        let all = items.last().unwrap().0 - started;
        assert!(
            first_text + Duration::from_millis(500) < all,
            "{which:?}: streamed, not buffered ({first_text:?} vs {all:?})"
        );
        assert_eq!(split_posts(&text_of(&items)).len(), 3);
        assert_eq!(fake.attempts(), 1);
    }
}

#[tokio::test]
async fn openai_is_sent_the_model_the_key_and_a_streaming_request() {
    let fake = FakeAi::start().await;
    let config = config(Which::OpenAi, &fake);
    let provider = provider(&config);
    assert_eq!((provider.name().as_str(), provider.model()), ("openai", "gpt-test-mini"));
    let prompt = prompt();
    drain(provider.stream(prompt.clone()).await.expect("starts")).await;

    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.header("authorization"), Some(format!("Bearer {OPENAI_KEY}").as_str()));
    assert_eq!(request.header("accept"), Some("text/event-stream"));
    let body = &request.body;
    assert_eq!(body["model"], "gpt-test-mini");
    assert_eq!(body["stream"], true);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["max_completion_tokens"], prompt.max_output_tokens);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], prompt.system.as_str());
    assert_eq!(body["messages"][1]["role"], "user");
    assert_eq!(body["messages"][1]["content"], prompt.user.as_str());
}

#[tokio::test]
async fn anthropic_is_sent_the_model_the_key_and_a_streaming_request() {
    let fake = FakeAi::start().await;
    let config = config(Which::Anthropic, &fake);
    let provider = provider(&config);
    assert_eq!((provider.name().as_str(), provider.model()), ("anthropic", "claude-test-haiku"));
    let prompt = prompt();
    drain(provider.stream(prompt.clone()).await.expect("starts")).await;

    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/messages");
    assert_eq!(request.header("x-api-key"), Some(ANTHROPIC_KEY));
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(request.header("authorization"), None);
    let body = &request.body;
    assert_eq!(body["model"], "claude-test-haiku");
    assert_eq!(body["stream"], true);
    assert_eq!(body["max_tokens"], prompt.max_output_tokens);
    assert_eq!(body["system"], prompt.system.as_str());
    assert_eq!(body["messages"][0]["role"], "user");
    assert_eq!(body["messages"][0]["content"], prompt.user.as_str());
}

#[tokio::test]
async fn a_429_is_retried_after_the_wait_it_asks_for() {
    // Both at once: each waits on purpose.
    join_all(BOTH.map(|which| async move {
        let fake = FakeAi::start().await;
        fake.script([Reply::rate_limited(1), Reply::text("Worth the wait.", 2)]);
        let config = config(which, &fake);
        let items = drain(provider(&config).stream(prompt()).await.expect("retried to success")).await;
        assert_eq!(text_of(&items), "Worth the wait.");

        let requests = fake.requests();
        assert_eq!(requests.len(), 2, "{which:?}");
        let waited = requests[1].at - requests[0].at;
        assert!(waited >= Duration::from_secs(1), "{which:?}: Retry-After honoured, waited {waited:?}");
        assert!(waited < Duration::from_millis(1800), "{which:?}: not much more, waited {waited:?}");
    }))
    .await;
}

#[tokio::test]
async fn server_errors_and_overload_are_retried() {
    for (which, failure) in
        [(Which::OpenAi, 500), (Which::OpenAi, 503), (Which::Anthropic, 500), (Which::Anthropic, 529)]
    {
        let fake = FakeAi::start().await;
        fake.script([Reply::status(failure), Reply::status(failure), Reply::text("Third time lucky.", 3)]);
        let config = config(which, &fake);
        let items = drain(provider(&config).stream(prompt()).await.expect("retried to success")).await;
        assert_eq!(text_of(&items), "Third time lucky.", "{which:?} {failure}");
        assert_eq!(fake.attempts(), 3, "{which:?} {failure}");
    }
}

#[tokio::test]
async fn a_server_error_that_never_ends_fails_after_the_last_retry() {
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.set_default(Reply::status(500));
        let config = AiConfig { max_retries: 2, ..config(which, &fake) };
        let error = provider(&config).stream(prompt()).await.err().expect("fails");
        assert_eq!(error.class(), "server_error", "{which:?}");
        assert_eq!(fake.attempts(), 3, "{which:?}: one attempt and two retries");
    }
}

#[tokio::test]
async fn a_stream_cut_after_the_first_text_fails_without_a_retry() {
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.script([Reply::CutAfter { text: "Half an answer".into(), pieces: 4, after: 1 }]);
        let config = config(which, &fake);
        let items = drain(provider(&config).stream(prompt()).await.expect("the answer starts")).await;

        assert!(matches!(&items[0].1, Ok(Chunk::Text(t)) if !t.is_empty()), "{which:?}: {items:?}");
        let (_, last) = items.last().unwrap();
        assert_eq!(last.as_ref().err().map(AiError::class), Some("stream_cut"), "{which:?}: {items:?}");
        assert!(!items.iter().any(|(_, i)| matches!(i, Ok(Chunk::Usage(_)))), "{which:?}: no usage after a cut");
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(fake.attempts(), 1, "{which:?}: text was shown, so never retried");
    }
}

#[tokio::test]
async fn failures_before_any_text_are_retried() {
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.script([
            Reply::CutAfter { text: "lost".into(), pieces: 2, after: 0 },
            Reply::ErrorEventAfter { text: "lost".into(), pieces: 2, after: 0 },
            Reply::text("Clean answer.", 2),
        ]);
        let config = config(which, &fake);
        let items = drain(provider(&config).stream(prompt()).await.expect("retried to success")).await;
        assert_eq!(text_of(&items), "Clean answer.", "{which:?}");
        assert_eq!(fake.attempts(), 3, "{which:?}");
    }
}

#[tokio::test]
async fn an_error_event_after_text_ends_the_stream_with_that_error() {
    for (which, class) in [(Which::OpenAi, "server_error"), (Which::Anthropic, "overloaded")] {
        let fake = FakeAi::start().await;
        fake.script([Reply::ErrorEventAfter { text: "Some text".into(), pieces: 3, after: 2 }]);
        let config = config(which, &fake);
        let items = drain(provider(&config).stream(prompt()).await.expect("starts")).await;
        assert_eq!(text_of(&items).chars().count(), 6, "{which:?}: two of three pieces");
        assert_eq!(items.last().unwrap().1.as_ref().err().map(AiError::class), Some(class), "{which:?}");
        assert_eq!(fake.attempts(), 1);
    }
}

#[tokio::test]
async fn a_provider_that_never_answers_times_out_within_the_total_limit() {
    // Both at once: each waits on purpose.
    join_all(BOTH.map(|which| async move {
        let fake = FakeAi::start().await;
        fake.set_default(Reply::Hang);
        let config = AiConfig {
            timeout: Duration::from_millis(1500),
            idle_timeout: Duration::from_millis(400),
            ..config(which, &fake)
        };
        let started = Instant::now();
        let error = provider(&config).stream(prompt()).await.err().expect("times out");
        let took = started.elapsed();
        assert_eq!(error.class(), "timeout", "{which:?}");
        assert!(took >= Duration::from_millis(1100), "{which:?}: used the time it had ({took:?})");
        assert!(took < Duration::from_millis(2200), "{which:?}: total limit kept ({took:?})");
        assert!(fake.attempts() >= 2, "{which:?}: a silent provider is tried again while time is left");
    }))
    .await;
}

#[tokio::test]
async fn a_stream_that_stalls_after_text_times_out_without_a_retry() {
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.script([Reply::StallAfter { text: "Then silence".into(), pieces: 3, after: 1 }]);
        let config = AiConfig { idle_timeout: Duration::from_millis(500), ..config(which, &fake) };
        let started = Instant::now();
        let items = drain(provider(&config).stream(prompt()).await.expect("starts")).await;
        assert!(matches!(&items[0].1, Ok(Chunk::Text(_))), "{which:?}");
        assert_eq!(items.last().unwrap().1.as_ref().err().map(AiError::class), Some("timeout"), "{which:?}");
        assert!(started.elapsed() < Duration::from_millis(1500), "{which:?}: idle limit, not total");
        assert_eq!(fake.attempts(), 1, "{which:?}");
    }
}

#[tokio::test]
async fn a_rejected_key_is_not_retried() {
    for which in BOTH {
        let fake = FakeAi::start().await;
        fake.set_default(Reply::status(401));
        let config = config(which, &fake);
        let error = provider(&config).stream(prompt()).await.err().expect("refused");
        assert_eq!(error.class(), "auth", "{which:?}");
        assert_eq!(fake.attempts(), 1, "{which:?}");
        assert!(!error.to_string().contains("key"), "the person is not told about keys: {error}");
    }
}

#[tokio::test]
async fn a_bad_request_is_not_retried() {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::status(400));
    let config = config(Which::Anthropic, &fake);
    let error = provider(&config).stream(prompt()).await.err().expect("refused");
    assert_eq!(error.class(), "bad_request");
    assert_eq!(fake.attempts(), 1);
}

#[tokio::test]
async fn a_retry_after_beyond_the_time_left_fails_at_once() {
    let fake = FakeAi::start().await;
    fake.set_default(Reply::rate_limited(20));
    let config = config(Which::OpenAi, &fake);
    let started = Instant::now();
    let error = provider(&config).stream(prompt()).await.err().expect("gives up");
    assert_eq!(error.class(), "rate_limited");
    assert_eq!(fake.attempts(), 1);
    assert!(started.elapsed() < Duration::from_millis(500), "no pointless wait");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let fake = FakeAi::start().await;
    fake.script([Reply::Stream {
        text: "one two three four five six".into(),
        pieces: 6,
        delay: Duration::from_millis(100),
    }]);
    let config = config(Which::OpenAi, &fake);
    let mut stream = provider(&config).stream(prompt()).await.expect("starts");
    assert!(matches!(stream.next().await, Some(Ok(Chunk::Text(_)))));
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(3);
    while fake.abandoned() == 0 {
        assert!(Instant::now() < deadline, "the fake never saw the client leave");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_offline_provider_is_deterministic_and_offline() {
    let config = AiConfig {
        backend: AiBackend::Offline,
        timeout: Duration::from_secs(1),
        connect_timeout: Duration::from_secs(1),
        idle_timeout: Duration::from_secs(1),
        max_retries: 0,
        retry_base: Duration::from_millis(10),
        offline_pace: Duration::ZERO,
    };
    // Stands in for the packer: one post per sentence.
    let writer: ai::OfflineWriter = Arc::new(|task: &Task| match task {
        Task::Thread(t) => t.source.split_inclusive(". ").map(|s| s.trim().to_string()).collect(),
        _ => Vec::new(),
    });
    let offline = ai::from_config(&config, ai::http_client(&config).expect("client"), writer);
    assert_eq!((offline.name().as_str(), offline.model()), ("offline", ai::OFFLINE_MODEL));

    let first = drain(offline.stream(prompt()).await.expect("starts")).await;
    let second = drain(offline.stream(prompt()).await.expect("starts")).await;
    let chunks = |items: Vec<(Instant, Result<Chunk, AiError>)>| -> Vec<Chunk> {
        items.into_iter().map(|(_, c)| c.expect("offline never fails")).collect()
    };
    let (first, second) = (chunks(first), chunks(second));
    assert_eq!(first, second);
    assert!(matches!(first.last(), Some(Chunk::Usage(Usage { estimated: true, .. }))));
}

#[tokio::test]
async fn the_provider_configured_by_variables_reaches_its_base_url() {
    let fake = FakeAi::start().await;
    let base = format!("{}/", fake.base_url); // as an operator might write it
    let config = crate::helpers::config_with(&[
        ("OPENAI_API_KEY", OPENAI_KEY),
        ("ANTHROPIC_API_KEY", ANTHROPIC_KEY),
        ("ANTHROPIC_BASE_URL", &base),
        ("AI_PROVIDER", "anthropic"),
    ]);
    let provider = provider(&config.ai);
    assert_eq!((provider.name().as_str(), provider.model()), ("anthropic", "claude-haiku-4-5"));
    let items = drain(provider.stream(prompt()).await.expect("starts")).await;
    assert_eq!(text_of(&items), "The default answer.");
    assert_eq!(fake.requests()[0].path, "/v1/messages");
}
