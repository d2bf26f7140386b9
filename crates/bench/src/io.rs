//! Bytes this process writes, from `/proc/self/io` (Linux only): the server,
//! and with SQLite the database, run inside the process, so the delta of its
//! counters over a phase is what that phase cost in writes. PostgreSQL writes
//! in its own processes and is not counted here.

use serde::Serialize;

/// The two write counters of `/proc/self/io`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IoCounters {
    /// Bytes passed to `write`-like system calls (`wchar`): WAL frames, pages
    /// copied by checkpoints, temporary files, sockets.
    wchar: u64,
    /// Bytes the process caused to be sent to storage (`write_bytes`): dirtied
    /// page-cache pages of files, counted when dirtied (a page dirtied twice
    /// before write-back counts once).
    write_bytes: u64,
}

impl IoCounters {
    /// The counters now; `None` where `/proc/self/io` cannot be read.
    pub fn now() -> Option<IoCounters> {
        let io = std::fs::read_to_string("/proc/self/io").ok()?;
        let field = |name: &str| {
            io.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        Some(IoCounters {
            wchar: field("wchar:")?,
            write_bytes: field("write_bytes:")?,
        })
    }
}

/// Bytes written per row (or per request) over a phase.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BytesPerRow {
    /// `wchar` delta ÷ rows: every byte handed to `write` and its kin, socket
    /// writes included (for HTTP phases that includes the answers).
    pub wchar: u64,
    /// `write_bytes` delta ÷ rows: what reached the page cache as file data
    /// bound for the disk.
    pub write_bytes: u64,
}

impl BytesPerRow {
    /// The delta between two readings divided by `rows`; `None` when either
    /// reading is missing or no row was written.
    pub fn between(
        before: Option<IoCounters>,
        after: Option<IoCounters>,
        rows: u64,
    ) -> Option<BytesPerRow> {
        let (before, after) = before.zip(after)?;
        Some(BytesPerRow {
            wchar: after.wchar.saturating_sub(before.wchar).checked_div(rows)?,
            write_bytes: after
                .write_bytes
                .saturating_sub(before.write_bytes)
                .checked_div(rows)?,
        })
    }

    /// `write_bytes / wchar`, for the report.
    pub fn describe(value: Option<BytesPerRow>) -> String {
        value.map_or_else(
            || "? / ?".to_owned(),
            |b| format!("{} / {}", b.write_bytes, b.wchar),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delta_is_divided_by_the_rows() {
        let before = IoCounters {
            wchar: 1_000,
            write_bytes: 4_096,
        };
        let after = IoCounters {
            wchar: 21_000,
            write_bytes: 45_056,
        };
        assert_eq!(
            BytesPerRow::between(Some(before), Some(after), 10),
            Some(BytesPerRow {
                wchar: 2_000,
                write_bytes: 4_096
            })
        );
        assert_eq!(BytesPerRow::between(Some(before), Some(after), 0), None);
        assert_eq!(BytesPerRow::between(None, Some(after), 10), None);
    }
}
