//! Checkpoints off the commit path.
//!
//! In WAL mode a commit appends pages to the WAL and flushes it; a checkpoint
//! later copies those pages into the database file. SQLite's automatic
//! checkpoint runs that copy (and an fsync of the database file) inside the
//! commit that crosses `wal_autocheckpoint` pages, so one write in a thousand
//! pages waited for it. Here the writer's automatic checkpoint is only a
//! backstop at a large WAL (`WRITER_AUTOCHECKPOINT_PAGES`), and a task with a
//! connection of its own runs `PASSIVE` checkpoints every `EVERY`: they copy
//! what no reader still needs without taking the write lock, so writers and
//! readers go on meanwhile.
//!
//! Durability does not change: a commit is on disk when its WAL frames are
//! flushed (`synchronous=FULL`), before any checkpoint; a checkpoint flushes
//! the WAL before copying and the database file before it marks the frames
//! copied (this connection also runs with `synchronous=FULL`), and a crash in
//! the middle of one is recovered from the WAL at the next open.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteSynchronous};
use sqlx::{ConnectOptions, Connection};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How often the checkpointer copies the WAL into the database file.
const EVERY: Duration = Duration::from_millis(250);
/// The writer's own automatic checkpoint, a backstop should the checkpointer
/// fall behind: 65,536 pages of 4 KiB, a 256 MiB WAL.
pub(crate) const WRITER_AUTOCHECKPOINT_PAGES: &str = "65536";
/// A WAL of more frames than this is restarted by the checkpointer (`RESTART`:
/// new writers wait until every reader has moved past the WAL, then the WAL
/// starts again from its beginning), so that readers that never let go of it
/// cannot make it grow without bound. 16,384 frames of 4 KiB: 64 MiB.
const RESTART_ABOVE_FRAMES: i64 = 16_384;

/// The background checkpointer of one database; stops when the store closes or
/// when the last handle to it is dropped.
#[derive(Debug)]
pub(crate) struct Checkpointer {
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Connects (read-write, `synchronous=FULL`) and starts the task.
    pub(crate) async fn start(options: &SqliteConnectOptions) -> Result<Checkpointer, sqlx::Error> {
        let connection = options
            .clone()
            .synchronous(SqliteSynchronous::Full)
            .connect()
            .await?;
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(run(connection, stopped));
        Ok(Checkpointer {
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops the task and closes its connection; waits for a checkpoint in progress.
    pub(crate) async fn stop(&self) {
        let _ = self.stop.send(true);
        let task = self.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

async fn run(mut connection: SqliteConnection, mut stopped: watch::Receiver<bool>) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        tokio::select! {
            // A stop, or every handle gone (the store was dropped unclosed).
            _ = stopped.wait_for(|stop| *stop) => break,
            _ = ticks.tick() => {}
        }
        // After a failed write or fsync of the database file, copying more of
        // the WAL into it (and then restarting the WAL) could make the failed
        // pages' loss permanent: the checkpointer stops until the restart.
        if crate::failure::storage_failure().is_some() {
            continue;
        }
        // A failure (a full disk, say) leaves the frames in the WAL, where they
        // are durable anyway; the next tick tries again. Told once, not per tick.
        let result = checkpoint(&mut connection).await;
        if let Err(error) = &result {
            crate::convert::latch_if_storage_failed(error);
        }
        match result {
            Err(error) if !failing => {
                tracing::warn!(%error, "the WAL checkpoint failed; retrying every {EVERY:?}");
                failing = true;
            }
            Err(_) => {}
            Ok(()) if failing => {
                tracing::info!("the WAL checkpoint works again");
                failing = false;
            }
            Ok(()) => {}
        }
    }
    let _ = connection.close().await;
}

async fn checkpoint(connection: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    // (busy, frames in the WAL, frames copied); -1s when not in WAL mode.
    let (_, frames, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *connection)
        .await?;
    if frames > RESTART_ABOVE_FRAMES {
        sqlx::query("PRAGMA wal_checkpoint(RESTART)")
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
