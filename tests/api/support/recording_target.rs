//! A catalogue target that records what it is asked to deliver, can fail on demand and
//! measures how many deliveries of one product run at once; and a sync worker running in the
//! test process against it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use daap::sync::snapshot::Delivery;
use daap::sync::target::{DeliveryError, DeliveryFuture, Target, TargetName};
use daap::sync::worker::{self, Targets, WorkerSettings};
use tokio::sync::watch;

use super::TestApp;

/// What the recording target was asked to do, per delivery: `"<product> v<M>.<m> [tables]"`
/// or `"<product> removed"`.
#[derive(Default)]
pub struct Recorder {
    pub delivered: Mutex<Vec<String>>,
    /// Fail every delivery while set.
    pub down: AtomicBool,
    /// Fail as the target refusing the request (not retryable) rather than being unreachable.
    pub refuse: AtomicBool,
    /// How long a delivery takes.
    pub delay: Mutex<Duration>,
    in_flight: Mutex<HashMap<String, usize>>,
    /// Most deliveries of one product seen running at the same time.
    pub max_concurrent_per_product: AtomicUsize,
    pub attempts: AtomicUsize,
}

pub struct RecordingTarget(Arc<Recorder>);

fn describe(delivery: &Delivery) -> (String, String) {
    match delivery {
        Delivery::Publish(snapshot) => {
            let tables: Vec<&str> = snapshot.tables.iter().map(|t| t.name.as_str()).collect();
            (
                snapshot.name.clone(),
                format!("{} {} {tables:?}", snapshot.name, snapshot.version),
            )
        }
        Delivery::Remove(removed) => (removed.name.clone(), format!("{} removed", removed.name)),
    }
}

impl Target for RecordingTarget {
    fn name(&self) -> TargetName {
        TargetName::Glue
    }

    fn apply<'a>(&'a self, delivery: &'a Delivery, _timeout: Duration) -> DeliveryFuture<'a> {
        Box::pin(async move {
            let recorder = &self.0;
            recorder.attempts.fetch_add(1, Ordering::SeqCst);
            let (product, line) = describe(delivery);
            {
                let mut in_flight = recorder.in_flight.lock().unwrap();
                let running = in_flight.entry(product.clone()).or_default();
                *running += 1;
                recorder
                    .max_concurrent_per_product
                    .fetch_max(*running, Ordering::SeqCst);
            }
            let delay = *recorder.delay.lock().unwrap();
            tokio::time::sleep(delay).await;
            *recorder
                .in_flight
                .lock()
                .unwrap()
                .get_mut(&product)
                .unwrap() -= 1;
            if recorder.refuse.load(Ordering::SeqCst) {
                return Err(DeliveryError::Permanent("400 invalid request".into()));
            }
            if recorder.down.load(Ordering::SeqCst) {
                return Err(DeliveryError::Transient("connection refused".into()));
            }
            recorder.delivered.lock().unwrap().push(line);
            Ok(())
        })
    }
}

pub fn fast_worker() -> WorkerSettings {
    WorkerSettings {
        concurrency: 2,
        max_attempts: 5,
        delivery_timeout: Duration::from_secs(5),
        idle_poll: Duration::from_millis(10),
        base_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(40),
    }
}

/// A worker running in the test process; `stop` stops it and waits for it.
pub struct RunningWorker {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningWorker {
    pub fn start(app: &TestApp, recorder: &Arc<Recorder>, settings: WorkerSettings) -> Self {
        let (stop, stopped) = watch::channel(false);
        let target: Arc<dyn Target> = Arc::new(RecordingTarget(recorder.clone()));
        let task = tokio::spawn(worker::run(
            app.state.pool.clone(),
            Targets::new([target]),
            settings,
            stopped,
        ));
        Self { stop, task }
    }

    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        self.task.await.unwrap();
    }
}
