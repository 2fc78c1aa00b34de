//! Database access: connecting (to `DATABASE_URL` or the private cluster), migrations, and
//! the queries behind each page. SQL lives here and nowhere else.

pub mod admin;
pub mod changes;
pub mod cities;
pub mod clone;
pub mod deadlines;
pub mod directory;
pub mod editing;
pub mod goal_tree;
pub mod imports;
pub mod item_sql;
pub mod last_year;
pub mod mail;
pub mod midyear;
pub mod midyear_write;
pub mod outside;
pub mod plan_apply;
pub mod plan_edit;
pub mod plan_imports;

pub mod page_store;
pub mod personnel;
pub mod plan_years;
pub mod plans;
pub mod posts;
pub mod public;
pub mod publication;
pub mod results;
pub mod results_write;
pub mod review;
pub mod section_transfer;
pub mod sessions;
pub mod settings;
pub mod sheets;
pub mod staff;
pub mod year_document;

use crate::domain::era::{Era, Eras};
use crate::pgcluster::{self, PrivateCluster, Supervised};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::path::Path;
use std::str::FromStr;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// The database of the private cluster.
const PRIVATE_DATABASE: &str = "mokuhyo";

/// How long a request waits for a connection before it is told the database is unavailable.
pub const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// Where the data lives, and the private cluster when there is one (supervised while the
/// server runs; [`Database::close`] stops it).
pub struct Database {
    pub pool: PgPool,
    pub cluster: Option<Supervised>,
}

impl Database {
    /// Closes the pool, then stops the private cluster, if any.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            cluster.stop().await;
        }
    }
}

/// Why the database could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Cluster(#[from] pgcluster::ClusterError),
    #[error("could not connect to the database: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Connects to `database_url`, or starts the private cluster under `data_dir` and creates
/// its database on first use; then applies the migrations. A `server` adopts a private cluster
/// found running; a one-off command leaves it alone.
pub async fn connect(
    database_url: Option<&str>,
    data_dir: &Path,
    server: bool,
) -> Result<Database, ConnectError> {
    let (options, cluster) = match database_url {
        Some(url) => (PgConnectOptions::from_str(url)?, None),
        None => {
            let data_dir = data_dir.to_owned();
            let options = pgcluster::Options {
                adopt_running: server,
                ..Default::default()
            };
            let cluster = tokio::task::spawn_blocking(move || {
                PrivateCluster::start(&data_dir, options, false)
            })
            .await
            .expect("cluster start does not panic")?;
            create_database_if_missing(&cluster.connect_options("postgres"), PRIVATE_DATABASE)
                .await?;
            (
                cluster.connect_options(PRIVATE_DATABASE),
                Some(Supervised::new(cluster)),
            )
        }
    };
    let pool = pool(options).await?;
    MIGRATOR.run(&pool).await?;
    Ok(Database { pool, cluster })
}

/// A pool with statement logging turned down (queries are logged at debug level). A request
/// waits at most [`ACQUIRE_TIMEOUT`] for a connection, so a database that is down is reported
/// in seconds; each connection is checked before use, so connections broken by a database
/// restart are replaced by themselves. A statement running over a minute is cancelled.
pub async fn pool(options: PgConnectOptions) -> Result<PgPool, sqlx::Error> {
    let options = options
        .log_statements(log::LevelFilter::Debug)
        .options([("statement_timeout", "60s")]);
    PgPoolOptions::new()
        .max_connections(pool_size_from_env())
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire(true)
        .connect_with(options)
        .await
}

/// Connections per server process: `DB_POOL_SIZE`, default 10. A request holds at most one at
/// a time; with several servers on one database, their sizes together must stay under the
/// server's `max_connections` (100 by default) less what commands and the listener use
/// (one per server).
pub fn pool_size_from_env() -> u32 {
    std::env::var("DB_POOL_SIZE")
        .ok()
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| (1..=1000).contains(n))
        .unwrap_or(10)
}

/// Creates `name` unless it exists, connecting as `admin`.
pub async fn create_database_if_missing(
    admin: &PgConnectOptions,
    name: &str,
) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect_with(admin).await?;
    let exists: bool = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS "value!""#,
        name
    )
    .fetch_one(&mut conn)
    .await?;
    if !exists {
        // Identifiers cannot be bound; the name is ours, and quoted as an identifier.
        sqlx::query(&format!(
            "CREATE DATABASE \"{}\"",
            name.replace('"', "\"\"")
        ))
        .execute(&mut conn)
        .await?;
    }
    conn.close().await
}

/// The era table.
pub async fn load_eras(pool: &PgPool) -> Result<Eras, sqlx::Error> {
    let rows: Vec<(String, chrono::NaiveDate, i32)> =
        sqlx::query!("SELECT name, starts_on, first_fiscal_year FROM era ORDER BY starts_on")
            .map(|r| (r.name, r.starts_on, r.first_fiscal_year))
            .fetch_all(pool)
            .await?;
    Ok(Eras::new(
        rows.into_iter()
            .map(|(name, starts_on, first_fiscal_year)| Era {
                name,
                starts_on,
                first_fiscal_year,
            })
            .collect(),
    ))
}
