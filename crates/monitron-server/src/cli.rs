//! Command line: `monitron serve`, `monitron migrate`, `monitron config check`,
//! `monitron openapi`.

use clap::{Parser, Subcommand};

use crate::config::{Config, Roles, Vars};

/// Monitron: self-hosted monitoring for services, domains, certificates, cron jobs and hosts.
#[derive(Debug, Parser)]
#[command(name = "monitron", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: API, scheduler and check workers (all by default).
    Serve {
        /// Run only these parts (repeatable): `api`, `scheduler`, `worker`.
        #[arg(long = "role", value_enum)]
        roles: Vec<RoleArg>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Inspect the configuration.
    Config {
        /// What to do with it.
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Print the OpenAPI document of the API (JSON) and exit; needs no configuration.
    Openapi,
}

/// A part of Monitron a process can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// The HTTP API and UI.
    Api,
    /// The scheduler (one active per cluster, by lease).
    Scheduler,
    /// Check workers.
    Worker,
}

/// `monitron config ...`
#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Validate the configuration and print it with secrets masked.
    Check,
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command {
        Some(Command::Openapi) => {
            let document = crate::api::openapi_document();
            println!("{}", serde_json::to_string_pretty(&document)?);
            return Ok(());
        }
        command => command.unwrap_or(Command::Serve { roles: Vec::new() }),
    };
    let vars = Vars::from_env();
    let mut config = Config::load(&vars)?;
    crate::telemetry::init(config.log_format, &config.log_level);
    match command {
        Command::Serve { roles } => {
            if !roles.is_empty() {
                config.roles = Roles {
                    api: roles.contains(&RoleArg::Api),
                    scheduler: roles.contains(&RoleArg::Scheduler),
                    worker: roles.contains(&RoleArg::Worker),
                };
            }
            let app = crate::startup::Application::build(config).await?;
            app.run_until(crate::startup::shutdown_signal()).await
        }
        Command::Migrate => {
            let db = crate::db::connect(&config.database).await?;
            crate::bootstrap::prepare_database(&db).await?;
            db.close().await?;
            println!("Database schema is up to date.");
            Ok(())
        }
        Command::Config {
            action: ConfigAction::Check,
        } => {
            let lines = config.describe(&vars);
            let width = lines.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
            println!("Configuration is valid. Effective values (secrets masked):");
            for (name, value) in lines {
                println!("  {name:width$}  {value}");
            }
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}
