//! Password hashing off the request path, bounded: argon2id takes 19 MiB and a few tens of
//! milliseconds per attempt, so it runs on a fixed set of threads of its own (one per core,
//! at most four) and a request waits at most [`MAX_WAIT`] for one of them, then is told to try
//! again (503). Anonymous sign-in attempts can therefore never hold more than a few hashes'
//! memory at once, and the memory stays with those few threads (their allocator arenas)
//! instead of spreading over the runtime's many blocking threads.

use super::password;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{Semaphore, oneshot};

/// How long a request waits for a free hashing thread.
pub const MAX_WAIT: Duration = Duration::from_secs(3);

/// All hashing threads were busy for [`MAX_WAIT`].
#[derive(Debug, thiserror::Error)]
#[error("password hashing is busy")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

struct Workers {
    permits: Semaphore,
    jobs: SyncSender<Job>,
}

fn workers() -> &'static Workers {
    static WORKERS: OnceLock<Workers> = OnceLock::new();
    WORKERS.get_or_init(|| {
        let threads = std::thread::available_parallelism()
            .map_or(2, |n| n.get())
            .clamp(1, 4);
        let (jobs, receiver) = sync_channel::<Job>(threads);
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = receiver.clone();
            std::thread::Builder::new()
                .name(format!("password-{i}"))
                .spawn(move || {
                    password::keep_memory_on_this_thread();
                    work(&receiver)
                })
                .expect("a password hashing thread starts");
        }
        Workers {
            permits: Semaphore::new(threads),
            jobs,
        }
    })
}

fn work(receiver: &Mutex<Receiver<Job>>) {
    loop {
        let job = match receiver.lock() {
            Ok(r) => r.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// Runs `f` on a hashing thread once one is free (waiting at most [`MAX_WAIT`]).
async fn run<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
    let workers = workers();
    let _permit = tokio::time::timeout(MAX_WAIT, workers.permits.acquire())
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)?;
    let (done, result) = oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(f());
    });
    // A permit is returned only once its job's answer came back, so the queue (as long as
    // there are permits) always has room.
    workers.jobs.try_send(job).map_err(|_| Busy)?;
    result.await.map_err(|_| Busy)
}

/// Whether `candidate` matches `hash`, on a hashing thread.
pub async fn verify(candidate: String, hash: String) -> Result<bool, Busy> {
    run(move || password::verify(&candidate, &hash)).await
}

/// Spends one verification's time (an unknown username), on a hashing thread.
pub async fn verify_dummy(candidate: String) -> Result<(), Busy> {
    run(move || password::verify_dummy(&candidate)).await
}

/// A new hash of `new_password`, on a hashing thread.
pub async fn hash(new_password: String) -> Result<String, Busy> {
    run(move || password::hash(&new_password)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn many_verifications_at_once_all_finish_with_the_right_answer() {
        let h = password::hash("correct horse battery");
        let mut tasks = Vec::new();
        for i in 0..12 {
            let h = h.clone();
            let pw = if i % 2 == 0 {
                "correct horse battery"
            } else {
                "wrong"
            };
            tasks.push(tokio::spawn(verify(pw.to_owned(), h)));
        }
        let mut answers = Vec::new();
        for t in tasks {
            answers.push(t.await.unwrap());
        }
        // Each answer is right, or (on a machine too loaded to finish within the wait) Busy.
        let mut answered = 0;
        for (i, a) in answers.into_iter().enumerate() {
            if let Ok(matched) = a {
                assert_eq!(matched, i % 2 == 0);
                answered += 1;
            }
        }
        assert!(answered > 0);
    }
}
