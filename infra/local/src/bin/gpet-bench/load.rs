//! The load generators: an open loop at a steady rate (no coordinated omission), closed loops
//! of workers each sending its next request when its last one has answered, and a pool of
//! workers draining a list of work; with the figures of a route under each.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use futures::future::BoxFuture;
use serde::Serialize;

use crate::figures::{Table, ms, num, percentile, rate, secs};

pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// An open loop's figures for one route (ms from each request's scheduled send time).
#[derive(Serialize)]
pub struct OpenRoute {
    pub route: String,
    pub sent: usize,
    pub ok: usize,
    pub errors: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

/// Sends GET `url` with `cookie` `rate` times a second for `seconds`, on schedule, whether or
/// not earlier requests have answered.
pub async fn open_loop(http: &reqwest::Client, url: &str, cookie: &str, rate: u32, seconds: u32) -> OpenLoad {
    let total = (rate * seconds) as usize;
    let interval = Duration::from_secs(1) / rate;
    let start = tokio::time::Instant::now() + Duration::from_millis(20);
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..total {
        let scheduled = start + interval * i as u32;
        tokio::time::sleep_until(scheduled).await;
        let request = http.get(url).header("cookie", cookie).timeout(REQUEST_TIMEOUT).send();
        requests.spawn(async move {
            let ok = match request.await {
                Ok(response) => response.status() == 200 && response.bytes().await.is_ok(),
                Err(_) => false,
            };
            ok.then(|| scheduled.elapsed())
        });
    }
    let mut load = OpenLoad { sent: total, latencies: Vec::with_capacity(total), errors: 0 };
    while let Some(done) = requests.join_next().await {
        match done {
            Ok(Some(latency)) => load.latencies.push(latency),
            _ => load.errors += 1,
        }
    }
    load
}

pub struct OpenLoad {
    sent: usize,
    /// From each request's scheduled send time, so that a stall of the host shows in full
    /// rather than delaying the requests behind it (no coordinated omission).
    latencies: Vec<Duration>,
    errors: usize,
}

impl OpenLoad {
    pub fn p(&self, q: f64) -> f64 {
        ms(percentile(&self.latencies, q))
    }

    pub fn figures(&self, route: &str) -> OpenRoute {
        OpenRoute {
            route: route.to_owned(),
            sent: self.sent,
            ok: self.latencies.len(),
            errors: self.errors,
            p50_ms: self.p(0.5),
            p99_ms: self.p(0.99),
            max_ms: self.p(1.0),
        }
    }
}

/// One request of a closed loop: Ok when it answered what it must, else why not.
pub type Request = BoxFuture<'static, Result<(), String>>;

/// A GET of a closed loop and what it must answer to count.
#[derive(Clone)]
pub struct Target {
    url: String,
    status: u16,
    location: Option<String>,
}

impl Target {
    pub fn new(url: String, status: u16, location: Option<String>) -> Target {
        Target { url, status, location }
    }

    /// GET /_local/clock: the host's cheapest route, touching neither PostgreSQL nor Redis.
    pub fn clock(stack: &gpet_local::stack::LocalStack) -> Target {
        Target::new(stack.url("/_local/clock"), 200, None)
    }

    async fn answered(&self, http: &reqwest::Client) -> bool {
        let Ok(response) = http.get(&self.url).timeout(REQUEST_TIMEOUT).send().await else { return false };
        let fits = response.status() == self.status
            && self
                .location
                .as_deref()
                .is_none_or(|expected| gpet_local::stack::location(&response).as_deref() == Some(expected));
        fits && response.bytes().await.is_ok()
    }

    /// The request of a closed loop, the same for every worker.
    pub fn request(&self, http: &reqwest::Client) -> impl Fn(usize) -> Request + Clone + Send + 'static {
        let (http, target) = (http.clone(), Arc::new(self.clone()));
        move |_| {
            let (http, target) = (http.clone(), target.clone());
            Box::pin(async move {
                if target.answered(&http).await { Ok(()) } else { Err(format!("not the expected {}", target.status)) }
            })
        }
    }
}

/// A closed loop's figures for one route.
#[derive(Serialize)]
pub struct ClosedRoute {
    pub route: String,
    pub ok: usize,
    pub errors: usize,
    pub failures: BTreeMap<String, usize>,
    pub seconds: f64,
    pub per_s: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl ClosedRoute {
    /// The table of closed-loop routes: route, answered, failed (`errors`), rate, latencies.
    pub fn table(title: String, route_width: usize, errors: &str) -> Table {
        Table::new(title)
            .left("route", route_width)
            .right("ok", 8)
            .right(errors, 7)
            .right("req/s", 10)
            .right("p50 ms", 9)
            .right("p99 ms", 9)
            .right("max ms", 9)
    }

    pub fn cells(&self) -> [String; 7] {
        [
            self.route.clone(),
            self.ok.to_string(),
            self.errors.to_string(),
            rate(self.per_s),
            num(self.p50_ms),
            num(self.p99_ms),
            num(self.max_ms),
        ]
    }
}

pub struct ClosedLoad {
    /// From each request's send to its whole answer.
    pub latencies: Vec<Duration>,
    /// The requests that failed, by why.
    pub failures: BTreeMap<String, usize>,
    /// From the first send to the last answer.
    elapsed: Duration,
}

impl ClosedLoad {
    pub fn ok(&self) -> usize {
        self.latencies.len()
    }

    pub fn errors(&self) -> usize {
        self.failures.values().sum()
    }

    pub fn per_second(&self) -> f64 {
        self.ok() as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub fn p50(&self) -> f64 {
        ms(percentile(&self.latencies, 0.5))
    }

    pub fn figures(&self, route: &str) -> ClosedRoute {
        ClosedRoute {
            route: route.to_owned(),
            ok: self.ok(),
            errors: self.errors(),
            failures: self.failures.clone(),
            seconds: secs(self.elapsed),
            per_s: self.per_second().round(),
            p50_ms: self.p50(),
            p99_ms: ms(percentile(&self.latencies, 0.99)),
            max_ms: ms(percentile(&self.latencies, 1.0)),
        }
    }
}

/// The failures of several loads together, by why.
pub fn failures<'a>(loads: impl IntoIterator<Item = &'a ClosedLoad>) -> BTreeMap<String, usize> {
    let mut all = BTreeMap::new();
    for (why, n) in loads.into_iter().flat_map(|load| &load.failures) {
        *all.entry(why.clone()).or_insert(0) += n;
    }
    all
}

/// `concurrency` workers, each sending its next request (`request(worker)`) as soon as its
/// last one has answered, until `length` has passed.
pub async fn closed_loop(
    concurrency: usize,
    length: Duration,
    request: impl Fn(usize) -> Request + Clone + Send + 'static,
) -> ClosedLoad {
    let end = Instant::now() + length;
    closed_loop_while(concurrency, move |worker| (Instant::now() < end).then_some(worker), request).await
}

/// `concurrency` workers sending `request(i)` once for each i of `items` (the next one as soon
/// as their last one has answered), until none is left.
pub async fn closed_loop_each(
    concurrency: usize,
    items: std::ops::Range<usize>,
    request: impl Fn(usize) -> Request + Clone + Send + 'static,
) -> ClosedLoad {
    let next = Arc::new(AtomicUsize::new(items.start));
    let take = move |_| Some(next.fetch_add(1, Ordering::Relaxed)).filter(|i| *i < items.end);
    closed_loop_while(concurrency, take, request).await
}

/// `concurrency` workers, each sending `request(arg)` for the argument `next(worker)` gives, as
/// soon as its last one has answered, until `next` gives none.
async fn closed_loop_while(
    concurrency: usize,
    next: impl Fn(usize) -> Option<usize> + Clone + Send + 'static,
    request: impl Fn(usize) -> Request + Clone + Send + 'static,
) -> ClosedLoad {
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let (next, request) = (next.clone(), request.clone());
        workers.spawn(async move {
            let (mut latencies, mut failures) = (Vec::new(), BTreeMap::new());
            while let Some(arg) = next(worker) {
                let sent = Instant::now();
                match request(arg).await {
                    Ok(()) => latencies.push(sent.elapsed()),
                    Err(why) => *failures.entry(why).or_insert(0) += 1,
                }
            }
            (latencies, failures)
        });
    }
    let mut load = ClosedLoad { latencies: Vec::new(), failures: BTreeMap::new(), elapsed: Duration::ZERO };
    while let Some(done) = workers.join_next().await {
        match done {
            Ok((latencies, failures)) => {
                load.latencies.extend(latencies);
                for (why, n) in failures {
                    *load.failures.entry(why).or_insert(0) += n;
                }
            }
            Err(_) => *load.failures.entry("worker panicked".to_owned()).or_insert(0) += 1,
        }
    }
    load.elapsed = started.elapsed();
    load
}

/// `workers` tasks taking the next item until none is left, `work(worker, item)` each; the time
/// from the start to the last one done. The first failure fails it.
pub async fn drain<T, F, Fut>(workers: usize, items: Vec<T>, work: F) -> anyhow::Result<Duration>
where
    T: Send + 'static,
    F: Fn(usize, T) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let queue = Arc::new(Mutex::new(items.into_iter()));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..workers {
        let (queue, work) = (queue.clone(), work.clone());
        tasks.spawn(async move {
            loop {
                let next = queue.lock().expect("the work queue").next();
                let Some(item) = next else { return anyhow::Ok(()) };
                work(worker, item).await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.context("a worker panicked")??;
    }
    Ok(started.elapsed())
}
