//! The fake transcription server of the integration tests (`tests/it/fake_transcribe.rs`) as
//! a process of its own, for the browser tests: it prints its base URL (the form of
//! `TRANSCRIBE_BASE_URL`) and serves until it is killed. Every recording is heard as
//! "Hello there. General Kenobi." in two timed segments.

#[allow(dead_code)]
#[path = "../tests/it/fake_transcribe.rs"]
mod fake_transcribe;

use std::io::Write;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let fake = fake_transcribe::FakeTranscribe::start().await;
    println!("{}", fake.base_url);
    let _ = std::io::stdout().flush();
    std::future::pending::<()>().await;
}
