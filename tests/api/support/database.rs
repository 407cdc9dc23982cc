//! The PostgreSQL server the tests use, its migrated template database, and one fresh
//! database per test.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use daap::localpg::LocalPostgres;
use daap::store::pool::MIGRATOR;
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// The server every test of this process uses, with a migrated template database.
pub(super) struct TestServer {
    pub(super) admin: PgConnectOptions,
    pub(super) template: String,
    /// Keeps the throwaway cluster (if any) alive for the whole process.
    _local: Option<LocalPostgres>,
}

static SERVER: OnceLock<TestServer> = OnceLock::new();
static DATABASES: AtomicUsize = AtomicUsize::new(0);

/// Prefix of every database the tests create; `<prefix><pid>_...` lets a later run drop what
/// a killed run left behind.
const DB_PREFIX: &str = "daap_test_";

pub(super) fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        // Each #[tokio::test] has its own runtime; set up on a runtime of our own that outlives
        // none of the tests' connections (every test connects anew).
        std::thread::spawn(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(start_server())
        })
        .join()
        .expect("test server set-up panicked")
    })
}

async fn start_server() -> TestServer {
    let (admin, local) = match std::env::var("DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            (url.parse().expect("DATABASE_URL is a PostgreSQL URL"), None)
        }
        _ => {
            let local = LocalPostgres::start_ephemeral()
                .await
                .expect("could not start a throwaway PostgreSQL cluster");
            (local.connect_options(), Some(local))
        }
    };
    let mut conn = PgConnection::connect_with(&admin)
        .await
        .expect("could not connect to the test PostgreSQL server");
    drop_leftover_databases(&mut conn).await;
    let template = format!("{DB_PREFIX}{}_template", std::process::id());
    execute(&mut conn, &format!("CREATE DATABASE {template}")).await;
    let mut template_conn = PgConnection::connect_with(&admin.clone().database(&template))
        .await
        .expect("could not connect to the template database");
    MIGRATOR
        .run(&mut template_conn)
        .await
        .expect("migrations apply to an empty database");
    template_conn.close().await.expect("close");
    conn.close().await.expect("close");
    TestServer {
        admin,
        template,
        _local: local,
    }
}

/// Drop test databases of earlier test processes that are no longer running.
async fn drop_leftover_databases(conn: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'daap\\_test\\_%'")
            .fetch_all(&mut *conn)
            .await
            .expect("list databases");
    for name in names {
        let pid = name[DB_PREFIX.len()..]
            .split('_')
            .next()
            .unwrap_or_default();
        let alive = !pid.is_empty() && std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            execute(
                conn,
                &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await;
        }
    }
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::query(AssertSqlSafe(sql.to_owned()))
        .execute(conn)
        .await
        .unwrap_or_else(|error| panic!("{sql}: {error}"));
}

/// Create a database of this test process: a copy of the migrated template, or empty.
pub(super) async fn new_database(template: Option<&str>) -> String {
    let server = server();
    let name = format!(
        "{DB_PREFIX}{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    let mut conn = PgConnection::connect_with(&server.admin)
        .await
        .expect("connect to the test server");
    let sql = match template {
        Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
        None => format!("CREATE DATABASE {name}"),
    };
    execute(&mut conn, &sql).await;
    conn.close().await.expect("close");
    name
}

/// Insert the version row after the latest one of the product `name` (its metadata copied, the
/// minor number and the description changed), as daap's own writes do, without touching the
/// product row: for tests that play another writer. Returns the new sequence number.
pub async fn insert_next_version(conn: &mut PgConnection, name: &str, description: &str) -> i32 {
    sqlx::query_scalar(
        "INSERT INTO data_product_versions (
             product_id, seq, major, minor, bump, changes, description, domain,
             data_product_owner, data_product_owner_display_name, data_product_maintainer,
             data_product_maintainer_display_name, email, status, retention_period,
             dpia_required, tags, created_by)
         SELECT v.product_id, v.seq + 1, v.major, v.minor + 1, 'minor',
                '{\"metadata\": [\"description\"]}', $2, v.domain, v.data_product_owner,
                v.data_product_owner_display_name, v.data_product_maintainer,
                v.data_product_maintainer_display_name, v.email, v.status, v.retention_period,
                v.dpia_required, v.tags, 'other-writer'
         FROM data_products p
         JOIN data_product_versions v ON v.product_id = p.id AND v.seq = p.current_seq
         WHERE p.name = $1 AND p.deleted_at IS NULL
         RETURNING seq",
    )
    .bind(name)
    .bind(description)
    .fetch_one(conn)
    .await
    .expect("insert the next version row")
}
