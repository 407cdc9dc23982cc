//! What the connection pool promises (`src/store/pool/manager.rs`): a connection returned
//! without a ping is handed out again only if it is known clean. A connection left in the
//! middle of a query by a cancelled request, or inside a transaction, never reaches another
//! request as it is.
//!
//! The cancelled reads go through the real router: a request waits on a table lock held by
//! another session and is dropped, as when a client disconnects. With one connection in the
//! pool, a request after it shows what the pool did with that connection.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use daap::store::pool::{PoolSettings, connect};
use sqlx::{Connection, Executor, PgConnection};
use tower::ServiceExt;

use crate::support::{TestApp, product};

/// Another session holding the products table locked (until it rolls back): every read of a
/// product waits behind it.
async fn lock_the_products_table(app: &TestApp) -> PgConnection {
    let mut holder = app.other_session().await;
    holder.execute("BEGIN").await.unwrap();
    holder
        .execute("LOCK TABLE data_products IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    holder
}

/// Wait until some session of this database waits for a lock.
async fn until_a_session_waits_for_a_lock(observer: &mut PgConnection) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(&mut *observer)
        .await
        .unwrap();
        if waiting > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no request ever waited for the lock"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Send `GET path` through the router on its own task, wait until it waits for the lock,
/// and drop it there, as a disconnecting client's request is dropped.
async fn cancel_while_waiting_for_the_lock(app: &TestApp, observer: &mut PgConnection, path: &str) {
    let router = app.router.clone();
    let request = Request::get(path).body(Body::empty()).unwrap();
    let request = tokio::spawn(async move { router.oneshot(request).await });
    until_a_session_waits_for_a_lock(observer).await;
    request.abort();
    assert!(request.await.unwrap_err().is_cancelled());
}

/// Sessions of this database that are inside a transaction but doing nothing.
async fn idle_in_transaction(observer: &mut PgConnection) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity \
         WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
    )
    .fetch_one(&mut *observer)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_read_cancelled_mid_query_never_hands_its_connection_to_the_next_request() {
    let app = TestApp::new()
        .await
        .with_pool(1, Duration::from_secs(3))
        .await;
    app.register(&product("prisons")).await;
    let mut holder = lock_the_products_table(&app).await;
    let mut observer = app.other_session().await;

    cancel_while_waiting_for_the_lock(&app, &mut observer, "/v1/data-products/dp:prisons").await;

    // The pool's only connection is still stuck behind the lock: the next request gets a
    // new one at once instead of waiting (or failing) behind someone else's query.
    let started = Instant::now();
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the request waited {:?} for a connection",
        started.elapsed()
    );
    let status = app.state.pool.status();
    assert_eq!((status.open, status.idle), (1, 1), "{status:?}");

    holder.execute("ROLLBACK").await.unwrap();
    let read = app.get("/v1/data-products/dp:prisons").await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert_eq!(read.body["name"], "prisons");
}

#[tokio::test]
async fn a_cancelled_list_finishes_its_transaction_before_its_connection_is_reused() {
    // The product list reads inside a transaction (to plan with the filter's values): it runs
    // to its end on its own task, so no cancelled BEGIN or COMMIT is left on the connection.
    let app = TestApp::new()
        .await
        .with_pool(1, Duration::from_secs(10))
        .await;
    app.register(&product("prisons")).await;
    let mut holder = lock_the_products_table(&app).await;
    let mut observer = app.other_session().await;

    cancel_while_waiting_for_the_lock(&app, &mut observer, "/v1/data-products").await;
    holder.execute("ROLLBACK").await.unwrap();

    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.text);
    assert_eq!(idle_in_transaction(&mut observer).await, 0);
    let list = app.get("/v1/data-products").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    assert_eq!(list.body["value"][0]["name"], "prisons");
}

/// Marks the current transaction; `None` once it has ended.
const MARK: &str = "SELECT set_config('daap.test_mark', 'inside', true)";
const READ_MARK: &str = "SELECT nullif(current_setting('daap.test_mark', true), '')";

async fn one_connection_pool(app: &TestApp) -> daap::store::pool::Pool {
    connect(
        app.state.pool.connect_options().clone(),
        &PoolSettings {
            max_connections: 1,
            acquire_timeout: Duration::from_secs(5),
        },
    )
    .await
    .expect("a pool of one connection")
}

#[tokio::test]
async fn a_dropped_transaction_is_rolled_back_before_its_connection_is_reused() {
    let app = TestApp::new().await;
    let pool = one_connection_pool(&app).await;
    let backend = {
        let mut conn = pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        tx.execute(MARK).await.unwrap();
        let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        // Neither committed nor rolled back: sqlx queues the ROLLBACK on the connection.
        drop(tx);
        backend
    };

    let mut conn = pool.acquire().await.unwrap();
    let reused: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(reused, backend, "a rolled-back connection is kept");
    let mark: Option<String> = sqlx::query_scalar(READ_MARK)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mark, None, "the transaction was rolled back before reuse");
    assert!(!conn.is_in_transaction());
}

#[tokio::test]
async fn a_dropped_transaction_releases_its_locks_as_its_connection_goes_back() {
    // As a write that refuses (409, 412, 422 after locking) drops its transaction: its locks
    // must go at once, not when the pool next hands the connection out.
    let app = TestApp::new().await;
    let pool = one_connection_pool(&app).await;
    {
        let mut conn = pool.acquire().await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        tx.execute("SELECT pg_advisory_xact_lock(4217)")
            .await
            .unwrap();
    }
    let mut other = app.other_session().await;
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let free: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(4217)")
            .fetch_one(&mut other)
            .await
            .unwrap();
        if free {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped transaction still holds its lock while its connection sits in the pool"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(idle_in_transaction(&mut other).await, 0);
}

#[tokio::test]
async fn a_transaction_cancelled_mid_query_never_reaches_the_next_user() {
    let app = TestApp::new().await;
    let pool = one_connection_pool(&app).await;
    let backend = {
        let mut conn = pool.acquire().await.unwrap();
        let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let mut tx = conn.begin().await.unwrap();
        tx.execute(MARK).await.unwrap();
        let slow = tx.execute("SELECT pg_sleep(5)");
        assert!(
            tokio::time::timeout(Duration::from_millis(200), slow)
                .await
                .is_err(),
            "the query was still running when it was cancelled"
        );
        backend
    };

    let started = Instant::now();
    let mut conn = pool.acquire().await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited {:?} for the cancelled query",
        started.elapsed()
    );
    let next: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_ne!(next, backend, "the busy connection was replaced");
    let mark: Option<String> = sqlx::query_scalar(READ_MARK)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(mark, None);
}

#[tokio::test]
async fn a_clean_connection_is_reused_as_it_is() {
    // The hot path: a connection returned clean goes straight to the next request, the same
    // backend serving one request after another.
    let app = TestApp::new().await;
    let pool = one_connection_pool(&app).await;
    let mut backends = Vec::new();
    for _ in 0..5 {
        let mut conn = pool.acquire().await.unwrap();
        let backend: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        backends.push(backend);
    }
    backends.dedup();
    assert_eq!(backends.len(), 1, "{backends:?}");
}

/// Forward every connection to `listener` to the test's PostgreSQL server (TCP or its Unix
/// socket, as the test server has it).
fn forward_to_server(listener: tokio::net::TcpListener, server: sqlx::postgres::PgConnectOptions) {
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let server = server.clone();
            tokio::spawn(async move {
                let port = server.get_port();
                let _ = match server.get_socket() {
                    Some(dir) => {
                        let path = dir.join(format!(".s.PGSQL.{port}"));
                        let mut upstream = tokio::net::UnixStream::connect(path).await?;
                        tokio::io::copy_bidirectional(&mut client, &mut upstream).await
                    }
                    None => {
                        let address = (server.get_host().to_owned(), port);
                        let mut upstream = tokio::net::TcpStream::connect(address).await?;
                        tokio::io::copy_bidirectional(&mut client, &mut upstream).await
                    }
                };
                Ok::<_, std::io::Error>(())
            });
        }
    });
}

#[tokio::test]
async fn a_server_that_refuses_while_restarting_is_waited_for_within_the_acquire_timeout() {
    // As during a PostgreSQL restart: connecting is refused for a moment, then accepted. The
    // pool keeps trying (with a doubling pause) instead of failing the request at once.
    let app = TestApp::new().await;
    let server = app.state.pool.connect_options().clone();
    let port = {
        let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        probe.local_addr().unwrap().port()
    };
    let options = sqlx::postgres::PgConnectOptions::new_without_pgpass()
        .host("127.0.0.1")
        .port(port)
        .username(server.get_username())
        .database(server.get_database().expect("the test database"))
        .ssl_mode(sqlx::postgres::PgSslMode::Disable);
    let started = Instant::now();
    let opening = tokio::spawn(async move {
        connect(
            options,
            &PoolSettings {
                max_connections: 2,
                acquire_timeout: Duration::from_secs(10),
            },
        )
        .await
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(
        !opening.is_finished(),
        "the pool gave up while connecting was refused"
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the refusing port is free again");
    forward_to_server(listener, server);

    let pool = opening
        .await
        .unwrap()
        .expect("the pool connects once the server accepts");
    assert!(started.elapsed() >= Duration::from_millis(400));
    let mut conn = pool.acquire().await.unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
}
