use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    threadr::server::cli::run().await
}
