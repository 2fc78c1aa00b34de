//! The SQL is checked against the migrated schema: the `sqlx::query!` macros when the code
//! compiles (from the offline data in `.sqlx/`, which these tests hold to the schema), and the
//! few statements built at run time (`db::item_sql`) here, each prepared.

use crate::helpers::fresh_pool;
use sqlx::postgres::PgTypeInfo;
use sqlx::{Either, Executor, PgConnection, TypeInfo};

async fn prepare_failures(conn: &mut PgConnection) -> Vec<String> {
    // Statements prepared before are cached by the connection: ask the server every time.
    sqlx::Connection::clear_cached_statements(conn)
        .await
        .unwrap();
    let mut failed = Vec::new();
    for sql in mokuhyo::db::item_sql::every_statement() {
        if let Err(e) = conn.prepare(sql.as_str()).await {
            failed.push(format!("{e}: {sql}"));
        }
    }
    failed
}

#[tokio::test]
async fn every_item_statement_prepares() {
    let pool = fresh_pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let statements = mokuhyo::db::item_sql::every_statement();
    assert!(statements.len() >= 30, "{} statements", statements.len());
    let failed = prepare_failures(&mut conn).await;
    assert!(failed.is_empty(), "{failed:#?}");
    // The check can fail: with a column renamed, the statements using it no longer prepare.
    conn.execute("ALTER TABLE criterion RENAME COLUMN text TO body")
        .await
        .unwrap();
    let failed = prepare_failures(&mut conn).await;
    assert_eq!(failed.len(), 2, "{failed:#?}");
    assert!(failed.iter().all(|f| f.contains("criterion")));
}

/// "Int8" (the offline data's spelling) and "INT8" (the server's) alike; arrays as "…Array".
fn type_key(name: &str) -> String {
    name.to_ascii_lowercase()
        .replace("[]", "array")
        .replace("bpchar", "char")
        .replace('_', "")
}

fn json_type_key(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => type_key(s),
        other => type_key(&other.to_string()),
    }
}

fn info_key(t: &PgTypeInfo) -> String {
    type_key(t.name())
}

/// What the offline data says of one query, against what the server says now.
async fn mismatch(conn: &mut PgConnection, data: &serde_json::Value) -> Option<String> {
    let sql = data["query"].as_str()?;
    let stored = &data["describe"];
    let live = match conn.describe(sql).await {
        Ok(d) => d,
        Err(e) => return Some(format!("{e}")),
    };
    let columns: Vec<(String, String)> = live
        .columns()
        .iter()
        .map(|c| {
            (
                sqlx::Column::name(c).to_owned(),
                info_key(sqlx::Column::type_info(c)),
            )
        })
        .collect();
    let stored_columns: Vec<(String, String)> = stored["columns"]
        .as_array()?
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_owned(),
                json_type_key(&c["type_info"]),
            )
        })
        .collect();
    if columns != stored_columns {
        return Some(format!("columns {columns:?}, stored {stored_columns:?}"));
    }
    let nullable: Vec<Option<bool>> = (0..columns.len()).map(|i| live.nullable(i)).collect();
    let stored_nullable: Vec<Option<bool>> = stored["nullable"]
        .as_array()?
        .iter()
        .map(|n| n.as_bool())
        .collect();
    if nullable != stored_nullable {
        return Some(format!("nullable {nullable:?}, stored {stored_nullable:?}"));
    }
    let parameters: Vec<String> = match live.parameters() {
        Some(Either::Left(types)) => types.iter().map(info_key).collect(),
        _ => Vec::new(),
    };
    let stored_parameters: Vec<String> = stored["parameters"]["Left"]
        .as_array()
        .map(|a| a.iter().map(json_type_key).collect())
        .unwrap_or_default();
    (parameters != stored_parameters)
        .then(|| format!("parameters {parameters:?}, stored {stored_parameters:?}"))
}

async fn stale_queries(conn: &mut PgConnection) -> (usize, Vec<String>) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".sqlx");
    let mut checked = 0;
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(&dir).expect(".sqlx/ is committed") {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let data: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        checked += 1;
        if let Some(why) = mismatch(conn, &data).await {
            stale.push(format!(
                "{}: {why}\n  {}",
                path.file_name().unwrap().to_string_lossy(),
                data["query"].as_str().unwrap_or_default()
            ));
        }
    }
    (checked, stale)
}

/// The offline data the build reads (`.sqlx/`, written by `cargo sqlx prepare`) says what
/// the migrated schema says of every query: after a migration changes a table the queries
/// use, this fails until the data is prepared again (see CONTRIBUTING).
#[tokio::test]
async fn offline_query_data_matches_the_schema() {
    let pool = fresh_pool().await;
    let mut conn = pool.acquire().await.unwrap();
    let (checked, stale) = stale_queries(&mut conn).await;
    assert!(checked > 250, "only {checked} queries in .sqlx/");
    assert!(
        stale.is_empty(),
        "stale offline data:\n{}",
        stale.join("\n")
    );
    // The check can fail: a column renamed makes the queries that read it stale.
    conn.execute("ALTER TABLE department RENAME COLUMN slug TO code")
        .await
        .unwrap();
    let (_, stale) = stale_queries(&mut conn).await;
    assert!(stale.len() > 10, "{} stale", stale.len());
}
