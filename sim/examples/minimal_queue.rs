//! The physical limit for `scripts/bench-plan.sh`: a minimal hand-written
//! event loop of M/M/c+M (Poisson arrivals, exponential handle time, c agents,
//! FIFO, exponential patience), with none of the contact-center rules.
//!
//! Two kinds of event: the next arrival and the earliest end of service (a heap
//! of at most c times). Abandonment is by lazy deletion: a waiting call carries
//! the instant its patience runs out, and an agent who frees up skips the calls
//! at the head of the queue whose patience ran out before it. Memory is the
//! queue and the heap, whatever the number of days. Calls arrive during the
//! horizon; the run goes on until each has its outcome.
//!
//! Run: `cargo run --release -p switchboard-sim --example minimal_queue --
//! [--days 30] [--seed 1] [--rate 1000] [--aht 240] [--patience 120]
//! [--agents 72] [--threshold 20]`. Prints one line of key=value pairs.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A time in seconds, ordered (never NaN here).
#[derive(Clone, Copy, PartialEq)]
struct Time(f64);

impl Eq for Time {}

impl PartialOrd for Time {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Time {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn exp(rng: &mut ChaCha8Rng, mean: f64) -> f64 {
    let u: f64 = rng.random::<f64>();
    -(1.0 - u).ln() * mean
}

fn arg(args: &[String], name: &str, default: f64) -> f64 {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} wants a number")),
        None => default,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let days = arg(&args, "--days", 30.0);
    let seed = arg(&args, "--seed", 1.0) as u64;
    let interarrival = 3600.0 / arg(&args, "--rate", 1000.0);
    let aht = arg(&args, "--aht", 240.0);
    let patience = arg(&args, "--patience", 120.0);
    let agents = arg(&args, "--agents", 72.0) as usize;
    let threshold = arg(&args, "--threshold", 20.0);

    let horizon = days * 86_400.0;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Ends of service of the busy agents.
    let mut busy: BinaryHeap<Reverse<Time>> = BinaryHeap::with_capacity(agents);
    // Waiting calls: (arrival, instant the caller gives up). Invariant: when it
    // is not empty, every agent is busy.
    let mut queue: VecDeque<(f64, f64)> = VecDeque::new();
    let (mut offered, mut answered, mut abandoned, mut within) = (0u64, 0u64, 0u64, 0u64);
    let mut wait_sum = 0.0;
    let mut next_arrival = exp(&mut rng, interarrival);

    loop {
        let next_end = busy.peek().map(|Reverse(t)| t.0);
        if next_arrival < horizon && next_end.is_none_or(|e| next_arrival <= e) {
            let now = next_arrival;
            offered += 1;
            let gives_up = now + exp(&mut rng, patience);
            if busy.len() < agents {
                answered += 1;
                within += 1;
                busy.push(Reverse(Time(now + exp(&mut rng, aht))));
            } else {
                queue.push_back((now, gives_up));
            }
            next_arrival = now + exp(&mut rng, interarrival);
        } else if let Some(Reverse(Time(now))) = busy.pop() {
            while let Some((arrived, gives_up)) = queue.pop_front() {
                if gives_up <= now {
                    abandoned += 1;
                    continue;
                }
                let wait = now - arrived;
                answered += 1;
                wait_sum += wait;
                if wait <= threshold {
                    within += 1;
                }
                busy.push(Reverse(Time(now + exp(&mut rng, aht))));
                break;
            }
        } else {
            break;
        }
    }
    debug_assert!(queue.is_empty());

    let of = offered.max(1) as f64;
    println!(
        "tool=minimal offered={offered} answered={answered} abandoned={abandoned} sl={:.6} asa={:.4} abandonment={:.6}",
        within as f64 / of,
        wait_sum / answered.max(1) as f64,
        abandoned as f64 / of,
    );
}
