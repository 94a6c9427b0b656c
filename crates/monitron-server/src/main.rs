//! The `monitron` binary.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = monitron_server::cli::Cli::parse();
    match monitron_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("monitron: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
