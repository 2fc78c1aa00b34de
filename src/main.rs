//! The `mokuhyo` binary: configuration, logging, database, migrations, serve.

use mokuhyo::config::Config;
use mokuhyo::{db, demo, routes};
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;

const USAGE: &str = r#"Usage: mokuhyo [COMMAND] [OPTIONS]

Commands:
  serve        Serve the web application (the default).
  load-demo    Load (or refresh) the demo cities' data and accounts, then exit.
  create-city  --slug kazo --name 加須市 --kana かぞし --code 112101
               [--policy 行政経営方針] [--pillar-set 基本目標]
  create-user  --city kazo --username yamada --name "山田 太郎" --role admin
               [--year 2026] [--target DEPARTMENT-SLUG|SECTION-NAME]
               Roles: admin, viewer, department_head (--target slug),
               section_chief (--target section name). The password is read from
               MOKUHYO_PASSWORD or the first line of standard input.
  import-plan  --city kazo --slug gyosei-keiei-3 --file plan.xlsx [--apply]
               Reads a multi-year plan workbook (as /staff/plans/import does) as a new
               plan or a revision of the plan with that slug; prints the changes and
               writes them only with --apply.
  clone-city   --from kariya --count 1740 [--first 1]
               Copies a city's published years, organization and plans as new cities
               (kariya-1, kariya-2 …) for load tests; slugs that exist are skipped.
  directory    --city kariya --file directory.toml [--apply]
               Connects to the city's directory (LDAP / Active Directory) as the file
               says, lists everyone with the roles they would get this year, and stores
               the setting only with --apply (see the README).
  export-site  --city kariya --year 2026 --out DIR [--base-url https://…]
               Writes the year's published pages as a static site (relative links,
               stylesheet, open data, README for the city's web staff).

Options:
  --demo       With `serve`: load the demo cities before serving. Without DATABASE_URL the
               demo is loaded on the first start anyway.

Environment:
  DATABASE_URL  PostgreSQL to use. Unset: a private cluster is run under DATA_DIR.
  DATA_DIR      Data directory (default ./data).
  BIND_ADDR     Address to listen on (default 127.0.0.1:8080).
  RUST_LOG      Log filter (default info).
  PAGE_CACHE_MB Memory for rendered public pages per server (default 128; 0: none).
  PUBLIC_SHARED_SECONDS  How long a shared cache in front (a CDN, nginx) may answer
                for a public page before asking again (default 30; 0: never).
  DB_POOL_SIZE  Database connections per server (default 10).
  PAGE_CHECK_SECONDS  How often a server also checks for changes it was not
                notified of (default 2).
"#;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr; stdout carries only the line with the URL.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((first, rest)) if !first.starts_with('-') => (first.as_str(), rest.to_vec()),
        _ => ("serve", args.clone()),
    };
    let want_demo = rest.iter().any(|a| a == "--demo");
    let known = matches!(
        command,
        "serve"
            | "load-demo"
            | "create-city"
            | "create-user"
            | "export-site"
            | "import-plan"
            | "clone-city"
            | "directory"
    );
    if rest.iter().any(|a| a == "-h" || a == "--help") || !known {
        eprint!("{USAGE}");
        return if known {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(2)
        };
    }
    match run(command, want_demo, &rest).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mokuhyo: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: &str, want_demo: bool, rest: &[String]) -> Result<(), String> {
    let config = Config::from_env()?;
    let options = mokuhyo::cli::options(rest)?;
    let database = db::connect(
        config.database_url.as_deref(),
        &config.data_dir,
        command == "serve",
    )
    .await
    .map_err(|e| e.to_string())?;
    let private = database.cluster.is_some();
    if command == "load-demo"
        || want_demo
        || (command == "serve" && private && is_empty(&database.pool).await?)
    {
        let report = demo::load(&database.pool)
            .await
            .map_err(|e| e.to_string())?;
        let accounts = demo::load_accounts(&database.pool)
            .await
            .map_err(|e| e.to_string())?;
        tracing::info!(
            inserted = report.inserted,
            updated = report.updated,
            deleted = report.deleted,
            accounts,
            "demo data loaded"
        );
    }
    let done = match command {
        "load-demo" => Some("demo data loaded".to_owned()),
        "create-city" => Some(mokuhyo::cli::create_city(&database.pool, &options).await?),
        "create-user" => Some(mokuhyo::cli::create_user(&database.pool, &options).await?),
        "clone-city" => Some(mokuhyo::cli::clone_city(&database.pool, &options).await?),
        "export-site" => {
            let state = mokuhyo::app_state(database.pool.clone())
                .await
                .map_err(|e| e.to_string())?;
            Some(mokuhyo::cli::export_site(&state, &options).await?)
        }
        "directory" => Some(directory(&database.pool, &options).await?),
        "import-plan" => {
            let state = mokuhyo::app_state(database.pool.clone())
                .await
                .map_err(|e| e.to_string())?;
            Some(mokuhyo::cli::import_plan(&state, &options).await?)
        }
        _ => None,
    };
    if let Some(message) = done {
        println!("{message}");
        database.close().await;
        return Ok(());
    }
    let state = mokuhyo::app_state(database.pool.clone())
        .await
        .map_err(|e| e.to_string())?;
    let sender = mokuhyo::spawn_background(&state);
    let listener = tokio::net::TcpListener::bind(config.bind_addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.bind_addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    println!("Mokuhyo is running at http://{addr}/  (Ctrl-C to stop)");
    mokuhyo::server::serve(
        listener,
        routes::router(state),
        shutdown_signal(),
        mokuhyo::server::Limits::default(),
    )
    .await;
    tracing::info!("shutting down");
    sender.stop().await;
    database.close().await;
    Ok(())
}

/// `directory --city C --file F [--apply]`.
async fn directory(
    pool: &sqlx::PgPool,
    options: &std::collections::HashMap<String, String>,
) -> Result<String, String> {
    let state = mokuhyo::app_state(pool.clone())
        .await
        .map_err(|e| e.to_string())?;
    let city = options.get("city").ok_or("--city is required")?;
    let file = options.get("file").ok_or("--file is required")?;
    let apply = options.contains_key("apply");
    mokuhyo::directory::dry_run::run(&state, city, file, apply).await
}

async fn is_empty(pool: &sqlx::PgPool) -> Result<bool, String> {
    mokuhyo::db::cities::none_yet(pool)
        .await
        .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
