//! Group commit: rows that concurrent requests ask to write while a flush is running are written
//! together by the next flush — one statement or transaction for many requests instead of one
//! each. An idle writer flushes a lone row at once (no timer), so a quiet server pays no latency.
//!
//! The flushes run on a task of their own, not inside a request: a client that hangs up cannot
//! cancel a flush that carries other clients' rows.

use sea_orm::{DatabaseConnection, DbErr};
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// Writes `rows` in one go (all or nothing).
pub(crate) type Flush<T> = fn(DatabaseConnection, Vec<T>) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send>>;

/// At most this many rows a flush: keeps a statement under the bind-parameter limits of both
/// stores (Postgres 65,535; SQLite 32,766) for tables of up to ~120 columns.
const MAX_ROWS_PER_FLUSH: usize = 256;

type Waiting<T> = (T, oneshot::Sender<Result<(), DbErr>>);

pub(crate) struct GroupCommit<T> {
    db: DatabaseConnection,
    flush: Flush<T>,
    /// Started by the first write, on the runtime that makes it (`Batch::new` is not async).
    writer: OnceLock<mpsc::UnboundedSender<Waiting<T>>>,
}

impl<T: Clone + Send + 'static> GroupCommit<T> {
    pub(crate) fn new(db: DatabaseConnection, flush: Flush<T>) -> Self {
        GroupCommit { db, flush, writer: OnceLock::new() }
    }

    /// Returns once `row` is committed (or could not be: that row's own error).
    pub(crate) async fn write(&self, row: T) -> Result<(), DbErr> {
        let (reply, committed) = oneshot::channel();
        let writer = self.writer.get_or_init(|| {
            let (sender, queue) = mpsc::unbounded_channel();
            tokio::spawn(run_writer(self.db.clone(), self.flush, queue));
            sender
        });
        if let Err(mpsc::error::SendError((row, _))) = writer.send((row, reply)) {
            // The runtime that ran the writer has shut down: write alone.
            return (self.flush)(self.db.clone(), vec![row]).await;
        }
        committed.await.unwrap_or_else(|_| Err(DbErr::Custom("the writer stopped before it could confirm this write".into())))
    }
}

async fn run_writer<T: Clone>(db: DatabaseConnection, flush: Flush<T>, mut queue: mpsc::UnboundedReceiver<Waiting<T>>) {
    let mut waiting = Vec::with_capacity(MAX_ROWS_PER_FLUSH);
    while queue.recv_many(&mut waiting, MAX_ROWS_PER_FLUSH).await > 0 {
        let (rows, replies): (Vec<T>, Vec<_>) = waiting.drain(..).unzip();
        if rows.len() == 1 {
            let outcome = flush(db.clone(), rows).await;
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(outcome);
            }
            continue;
        }
        match flush(db.clone(), rows.clone()).await {
            Ok(()) => replies.into_iter().for_each(|reply| drop(reply.send(Ok(())))),
            // One bad row must not fail the others: each is tried alone and gets its own answer.
            Err(_) => {
                for (row, reply) in rows.into_iter().zip(replies) {
                    let _ = reply.send(flush(db.clone(), vec![row]).await);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, Database, Statement};
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Rows written by the largest flush so far.
    static LARGEST_FLUSH: AtomicUsize = AtomicUsize::new(0);

    /// Inserts numbers into a table that refuses negative ones.
    fn insert_numbers(db: DatabaseConnection, numbers: Vec<i64>) -> Pin<Box<dyn Future<Output = Result<(), DbErr>> + Send>> {
        Box::pin(async move {
            LARGEST_FLUSH.fetch_max(numbers.len(), Ordering::Relaxed);
            let values: Vec<String> = numbers.iter().map(|n| format!("({n})")).collect();
            db.execute_unprepared(&format!("INSERT INTO numbers (n) VALUES {}", values.join(","))).await.map(drop)
        })
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn rows_written_together_and_a_bad_row_fails_alone() {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        db.execute_unprepared("CREATE TABLE numbers (n INTEGER NOT NULL CHECK (n >= 0))").await.unwrap();
        let writer = std::sync::Arc::new(GroupCommit::new(db.clone(), insert_numbers));

        let writes: Vec<_> = (0..500i64)
            .map(|n| {
                let writer = writer.clone();
                let number = if n == 250 { -1 } else { n };
                tokio::spawn(async move { (number, writer.write(number).await) })
            })
            .collect();
        for write in writes {
            let (number, outcome) = write.await.unwrap();
            assert_eq!(outcome.is_ok(), number >= 0, "{number}: {outcome:?}");
        }

        let row = db
            .query_one_raw(Statement::from_string(db.get_database_backend(), "SELECT COUNT(*) AS rows, SUM(n) AS total FROM numbers"))
            .await
            .unwrap()
            .unwrap();
        let (rows, total): (i64, i64) = (row.try_get("", "rows").unwrap(), row.try_get("", "total").unwrap());
        assert_eq!((rows, total), (499, (0..500).sum::<i64>() - 250), "every good row once, the bad one not at all");
        assert!(LARGEST_FLUSH.load(Ordering::Relaxed) > 1, "concurrent writes were never grouped");
    }
}
