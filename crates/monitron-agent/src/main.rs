//! The `monitron-agent` binary: read the environment, start, and map the outcome to an exit
//! code (2 for bad configuration, 1 for a failure while running).

use std::process::ExitCode;

use monitron_agent::{allocator, lifecycle, Application, Exit, Settings};

fn main() -> ExitCode {
    allocator::limit_arenas();
    match std::env::args().nth(1).as_deref() {
        Some("--help" | "-h") => {
            println!("{}", Settings::help());
            return ExitCode::SUCCESS;
        }
        Some("--version" | "-V") => {
            println!("monitron-agent {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("monitron-agent: {err}");
            return ExitCode::from(2);
        }
    };
    init_tracing();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .max_blocking_threads(4)
        .build()
        .expect("the async runtime starts");
    let outcome = runtime.block_on(async {
        let app = Application::build(settings).await?;
        app.run_until_stopped().await
    });
    drop(runtime);
    match outcome {
        Ok(Exit::Stopped) => ExitCode::SUCCESS,
        Ok(Exit::Restart) => {
            let err = lifecycle::reexec();
            eprintln!("monitron-agent: cannot restart: {err}");
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("monitron-agent: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("MONITRON_AGENT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("MONITRON_AGENT_LOG_FORMAT").as_deref() == Ok("json") {
        builder.json().init();
    } else {
        builder.init();
    }
}
