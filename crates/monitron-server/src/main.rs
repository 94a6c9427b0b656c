//! The `monitron` binary.

use clap::Parser;

fn main() -> std::process::ExitCode {
    monitron_server::memory::limit_arenas();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts");
    runtime.block_on(run())
}

async fn run() -> std::process::ExitCode {
    let cli = monitron_server::cli::Cli::parse();
    match monitron_server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("monitron: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
