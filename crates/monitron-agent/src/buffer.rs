//! The offline buffer: every record meant for the server (snapshots, probe and plugin
//! results) goes to disk first and is deleted only once the server acknowledged it, so a
//! server outage, a network cut or an agent restart loses nothing within the bounds.
//!
//! Layout under `<data dir>/buffer/`: append-only segment files named after their first
//! sequence number (`00000000000000000001.seg`), and `ack`, the highest acknowledged
//! sequence number (written atomically). Each record is framed as
//!
//! ```text
//! length u32 LE | crc32 u32 LE | seq u64 LE | timestamp ms i64 LE | JSON of the record body
//! ```
//!
//! where the CRC covers everything after itself. Sequence numbers increase by one across
//! segments and restarts. At start-up every segment is scanned: a torn or corrupt tail (a
//! crash in the middle of a write) fails its length or CRC check and is cut off there,
//! leaving every earlier record intact.
//!
//! Durability: appends are written straight to the file (they survive a crash of the agent,
//! `kill -9` included); [`Buffer::sync`] makes them durable against power loss and runs at
//! most once per second while records arrive, and at shutdown, so a power cut loses at most
//! the last second. `sync` covers the open segment only, so a segment is synced when it is
//! left for the next one (after the lock is released). Acknowledgements are persisted on every ack; a lost ack only means a
//! few records are sent twice, which the server stores once.
//!
//! Bounds (`AgentConfig.buffer`): beyond `max_bytes` the oldest segment is dropped; records
//! older than `max_age_s` are dropped. Dropped records are counted (since start) and
//! reported in `GET /v1/health`. Batches are read without the lock, so a segment dropped
//! meanwhile is skipped by the reader.
//!
//! Every method does blocking file I/O: call them on the blocking pool (appends go through
//! [`crate::buffer_writer`]).

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use monitron_proto::agent_api::BufferHealth;
use monitron_proto::config::BufferLimits;
use monitron_proto::push::{Record, RecordBody};

use crate::atomic_file;

/// Bytes of a frame header.
const HEADER: usize = 24;
/// Largest record body accepted when reading; anything larger is corruption.
const MAX_RECORD: usize = 16 * 1024 * 1024;
/// Largest segment file.
const MAX_SEGMENT: u64 = 1024 * 1024;
/// Smallest segment size limit (for small buffers).
const MIN_SEGMENT: u64 = 64 * 1024;

/// One segment file.
#[derive(Debug, Clone)]
struct Segment {
    path: PathBuf,
    first_seq: u64,
    last_seq: u64,
    bytes: u64,
    /// Newest record timestamp (ms), for age limits.
    newest_ms: i64,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    limits: BufferLimits,
    segments: VecDeque<Segment>,
    /// Open for appending: the last segment.
    writer: Option<File>,
    next_seq: u64,
    acked: u64,
    /// Records up to here are acknowledged or dropped.
    floor: u64,
    dropped: u64,
    dirty: bool,
}

/// The on-disk buffer.
#[derive(Debug)]
pub struct Buffer {
    inner: Mutex<Inner>,
    appended: tokio::sync::Notify,
}

fn frame(seq: u64, timestamp_ms: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + body.len());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&timestamp_ms.to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out[8..]);
    out[4..8].copy_from_slice(&crc.to_le_bytes());
    out
}

/// A frame's header fields.
struct Header {
    len: usize,
    crc: u32,
    seq: u64,
    timestamp_ms: i64,
}

fn parse_header(bytes: &[u8; HEADER]) -> Header {
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    Header {
        len: u32_at(0) as usize,
        crc: u32_at(4),
        seq: u64_at(8),
        timestamp_ms: u64_at(16) as i64,
    }
}

fn segment_name(first_seq: u64) -> String {
    format!("{first_seq:020}.seg")
}

/// Scans a segment, truncating a torn or corrupt tail. `None` when nothing valid is left
/// (the file is then removed).
fn recover_segment(path: &Path, expected_first: Option<u64>) -> std::io::Result<Option<Segment>> {
    let data = std::fs::read(path)?;
    let mut pos = 0usize;
    let mut first = None;
    let mut last = 0u64;
    let mut newest_ms = i64::MIN;
    while pos + HEADER <= data.len() {
        let header = parse_header(data[pos..pos + HEADER].try_into().expect("header"));
        let end = pos + HEADER + header.len;
        if header.len > MAX_RECORD || end > data.len() {
            break;
        }
        if crc32fast::hash(&data[pos + 8..end]) != header.crc {
            break;
        }
        let in_order = match first {
            None => expected_first.is_none_or(|e| e == header.seq),
            Some(_) => header.seq == last + 1,
        };
        if !in_order {
            break;
        }
        first.get_or_insert(header.seq);
        last = header.seq;
        newest_ms = newest_ms.max(header.timestamp_ms);
        pos = end;
    }
    if pos < data.len() {
        tracing::warn!(
            path = %path.display(),
            kept_bytes = pos,
            cut_bytes = data.len() - pos,
            "Buffer segment has a torn or corrupt tail; cutting it off."
        );
        let file = OpenOptions::new().write(true).open(path)?;
        file.set_len(pos as u64)?;
        file.sync_all()?;
    }
    match first {
        Some(first_seq) => Ok(Some(Segment {
            path: path.to_owned(),
            first_seq,
            last_seq: last,
            bytes: pos as u64,
            newest_ms,
        })),
        None => {
            std::fs::remove_file(path)?;
            Ok(None)
        }
    }
}

impl Inner {
    fn segment_limit(&self) -> u64 {
        (self.limits.max_bytes / 8).clamp(MIN_SEGMENT, MAX_SEGMENT)
    }

    /// Records waiting (acknowledged and dropped ones excluded).
    fn depth(&self) -> u64 {
        self.segments.iter().map(|s| self.live_in(s)).sum()
    }

    fn total_bytes(&self) -> u64 {
        self.segments.iter().map(|s| s.bytes).sum()
    }

    /// Records from `first_seq..=last_seq` above the floor.
    fn live_in(&self, segment: &Segment) -> u64 {
        let from = segment.first_seq.max(self.floor + 1);
        if segment.last_seq >= from {
            segment.last_seq - from + 1
        } else {
            0
        }
    }

    /// Drops the oldest segment, counting its live records as dropped.
    fn drop_oldest(&mut self) -> std::io::Result<()> {
        let Some(segment) = self.segments.pop_front() else {
            return Ok(());
        };
        let lost = self.live_in(&segment);
        self.dropped += lost;
        self.floor = self.floor.max(segment.last_seq);
        if self.segments.is_empty() {
            self.writer = None;
        }
        tracing::warn!(lost, path = %segment.path.display(), "Buffer full or too old; dropping its oldest records.");
        remove(&segment.path)
    }

    /// Removes segments whose records are all at or below the floor.
    fn remove_spent(&mut self) -> std::io::Result<()> {
        while let Some(first) = self.segments.front() {
            if first.last_seq > self.floor {
                break;
            }
            let segment = self.segments.pop_front().expect("front exists");
            if self.segments.is_empty() {
                self.writer = None;
            }
            remove(&segment.path)?;
        }
        Ok(())
    }

    fn enforce_bytes(&mut self) -> std::io::Result<()> {
        while self.total_bytes() > self.limits.max_bytes && self.segments.len() > 1 {
            self.drop_oldest()?;
        }
        Ok(())
    }

    /// Drops records older than the age limit.
    fn enforce_age(&mut self, now: DateTime<Utc>) -> std::io::Result<()> {
        let cutoff = now.timestamp_millis() - (self.limits.max_age_s as i64).saturating_mul(1000);
        while self.segments.front().is_some_and(|s| s.newest_ms < cutoff) {
            self.drop_oldest()?;
        }
        // In the oldest remaining segment, old records may precede newer ones.
        let Some(segment) = self.segments.front().cloned() else {
            return Ok(());
        };
        let mut reader = BufReader::new(File::open(&segment.path)?);
        let mut header = [0u8; HEADER];
        loop {
            if reader.read_exact(&mut header).is_err() {
                break;
            }
            let h = parse_header(&header);
            if h.seq > self.floor {
                if h.timestamp_ms >= cutoff {
                    break;
                }
                self.floor = h.seq;
                self.dropped += 1;
            }
            reader.seek_relative(h.len as i64)?;
        }
        Ok(())
    }
}

/// Up to `max` records numbered `start` or later from `segments`, oldest first. A segment
/// that no longer exists was dropped by the bounds after the list was taken (its records
/// are already counted as dropped): it is skipped, not an error, or a full buffer would
/// fail every replay.
fn read_records(start: u64, segments: &[Segment], max: usize) -> std::io::Result<Vec<Record>> {
    let mut records = Vec::new();
    'segments: for segment in segments {
        let file = match File::open(&segment.path) {
            Ok(file) => file,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                tracing::debug!(path = %segment.path.display(), "Buffer segment dropped while reading; skipped.");
                continue;
            }
            Err(err) => return Err(err),
        };
        let mut reader = BufReader::with_capacity(32 * 1024, file);
        let mut header = [0u8; HEADER];
        let mut read = 0u64;
        while read + HEADER as u64 <= segment.bytes {
            reader.read_exact(&mut header)?;
            let h = parse_header(&header);
            read += (HEADER + h.len) as u64;
            if h.seq < start || h.seq > segment.last_seq {
                reader.seek_relative(h.len as i64)?;
                continue;
            }
            let mut body = vec![0u8; h.len];
            reader.read_exact(&mut body)?;
            match serde_json::from_slice::<RecordBody>(&body) {
                Ok(body) => records.push(Record { seq: h.seq, body }),
                Err(err) => {
                    tracing::warn!(seq = h.seq, error = %err, "Unreadable buffered record skipped.");
                }
            }
            if records.len() >= max {
                break 'segments;
            }
        }
    }
    Ok(records)
}

fn remove(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
        _ => Ok(()),
    }
}

fn read_ack(path: &Path) -> u64 {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

impl Buffer {
    /// Opens (or creates) the buffer in `dir`, recovering from an interrupted write.
    pub fn open(dir: PathBuf, limits: BufferLimits) -> std::io::Result<Self> {
        std::fs::create_dir_all(&dir)?;
        let acked = read_ack(&dir.join("ack"));
        let mut names: Vec<(u64, PathBuf)> = std::fs::read_dir(&dir)?
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let first = path
                    .file_name()?
                    .to_str()?
                    .strip_suffix(".seg")?
                    .parse::<u64>()
                    .ok()?;
                Some((first, path))
            })
            .collect();
        names.sort();
        let mut segments: VecDeque<Segment> = VecDeque::new();
        for (first, path) in names {
            // A segment starts at the number in its name and after everything before it. A
            // gap (a damaged earlier segment lost its tail) is accepted: later records are
            // worth more than perfect numbering.
            if segments.back().is_some_and(|s| first <= s.last_seq) {
                tracing::warn!(path = %path.display(), "Buffer segment overlaps the previous one; removing it.");
                remove(&path)?;
                continue;
            }
            match recover_segment(&path, Some(first))? {
                Some(segment) if segment.last_seq <= acked => remove(&path)?,
                Some(segment) => segments.push_back(segment),
                None => {}
            }
        }
        let next_seq = segments.back().map_or(acked + 1, |s| s.last_seq + 1);
        // Records before the first segment are gone (acknowledged, or dropped before a crash).
        let floor = segments
            .front()
            .map_or(acked, |s| acked.max(s.first_seq - 1));
        let mut inner = Inner {
            dir,
            limits,
            segments,
            writer: None,
            next_seq,
            acked,
            floor,
            dropped: 0,
            dirty: false,
        };
        inner.enforce_bytes()?;
        inner.enforce_age(Utc::now())?;
        inner.remove_spent()?;
        // Keep filling the last segment rather than starting one per restart.
        let limit = inner.segment_limit();
        if let Some(last) = inner.segments.back().filter(|s| s.bytes < limit) {
            inner.writer = Some(OpenOptions::new().append(true).open(&last.path)?);
        }
        tracing::info!(
            depth = inner.depth(),
            next_seq = inner.next_seq,
            "Buffer opened."
        );
        Ok(Self {
            inner: Mutex::new(inner),
            appended: tokio::sync::Notify::new(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies new bounds (dropping what no longer fits).
    pub fn set_limits(&self, limits: BufferLimits) -> std::io::Result<()> {
        let mut inner = self.lock();
        inner.limits = limits;
        inner.enforce_bytes()?;
        inner.enforce_age(Utc::now())?;
        inner.remove_spent()
    }

    /// Appends a record; returns its sequence number.
    pub fn append(&self, body: &RecordBody) -> std::io::Result<u64> {
        let json = serde_json::to_vec(body).map_err(std::io::Error::other)?;
        let mut left_behind = None;
        let appended = self.append_locked(body, &json, &mut left_behind);
        if appended.is_ok() {
            self.appended.notify_waiters();
        }
        // `sync` covers the open segment only, so the segment just left behind is made
        // durable here, outside the lock: nothing else waits on this disk flush.
        if let Some(old) = left_behind {
            if let Err(err) = old.sync_data() {
                tracing::warn!(error = %err, "Cannot make a full buffer segment durable.");
            }
        }
        appended
    }

    /// Appends `json` as the next record under the lock; a segment file closed by a roll
    /// over is handed back in `left_behind`.
    fn append_locked(
        &self,
        body: &RecordBody,
        json: &[u8],
        left_behind: &mut Option<File>,
    ) -> std::io::Result<u64> {
        let mut inner = self.lock();
        let seq = inner.next_seq;
        let bytes = frame(seq, body.timestamp().timestamp_millis(), json);
        let roll = match inner.segments.back() {
            Some(last) => {
                inner.writer.is_none() || last.bytes + bytes.len() as u64 > inner.segment_limit()
            }
            None => true,
        };
        if roll {
            let path = inner.dir.join(segment_name(seq));
            let file = OpenOptions::new().create(true).append(true).open(&path)?;
            *left_behind = inner.writer.replace(file);
            inner.segments.push_back(Segment {
                path,
                first_seq: seq,
                last_seq: seq - 1,
                bytes: 0,
                newest_ms: i64::MIN,
            });
        }
        let writer = inner.writer.as_mut().expect("writer open");
        if let Err(err) = writer.write_all(&bytes) {
            // Leave no partial frame behind (a full disk, say).
            let size = inner.segments.back().map_or(0, |s| s.bytes);
            if let Some(w) = inner.writer.as_ref() {
                let _ = w.set_len(size);
            }
            if inner.segments.back().is_some_and(|s| s.bytes == 0) {
                let segment = inner.segments.pop_back().expect("back exists");
                inner.writer = None;
                let _ = remove(&segment.path);
            }
            return Err(err);
        }
        let timestamp_ms = body.timestamp().timestamp_millis();
        let last = inner.segments.back_mut().expect("segment exists");
        last.last_seq = seq;
        last.bytes += bytes.len() as u64;
        last.newest_ms = last.newest_ms.max(timestamp_ms);
        inner.next_seq = seq + 1;
        inner.dirty = true;
        inner.enforce_bytes()?;
        Ok(seq)
    }

    /// Notified (all waiters) on every append.
    pub fn notify(&self) -> &tokio::sync::Notify {
        &self.appended
    }

    /// Up to `max` records not yet acknowledged, oldest first.
    pub fn unacked(&self, max: usize) -> std::io::Result<Vec<Record>> {
        let (start, segments) = self.unacked_segments();
        read_records(start, &segments, max)
    }

    /// The first unacknowledged sequence number and the segments holding it and later
    /// ones, as they are now. They are read without the lock so that appends go on
    /// meanwhile, which means one of them may be dropped (and deleted) before it is read.
    fn unacked_segments(&self) -> (u64, Vec<Segment>) {
        let inner = self.lock();
        let start = inner.floor + 1;
        let segments = inner
            .segments
            .iter()
            .filter(|s| s.last_seq >= start)
            .cloned()
            .collect();
        (start, segments)
    }

    /// Marks everything up to `seq` as stored by the server and deletes what is spent.
    pub fn ack(&self, seq: u64) -> std::io::Result<()> {
        let (ack_path, acked) = {
            let mut inner = self.lock();
            let seq = seq.min(inner.next_seq - 1);
            if seq <= inner.acked {
                return Ok(());
            }
            inner.acked = seq;
            inner.floor = inner.floor.max(seq);
            (inner.dir.join("ack"), seq)
        };
        atomic_file::write(&ack_path, format!("{acked}\n").as_bytes(), 0o600)?;
        self.lock().remove_spent()
    }

    /// Drops records past the age limit; call now and then.
    pub fn expire(&self, now: DateTime<Utc>) -> std::io::Result<()> {
        let mut inner = self.lock();
        inner.enforce_age(now)?;
        inner.remove_spent()
    }

    /// Makes appended records durable (fsync), if any arrived since the last call.
    pub fn sync(&self) -> std::io::Result<()> {
        let file = {
            let mut inner = self.lock();
            if !inner.dirty {
                return Ok(());
            }
            inner.dirty = false;
            match inner.writer.as_ref() {
                Some(f) => f.try_clone()?,
                None => return Ok(()),
            }
        };
        file.sync_data()?;
        // A new segment's directory entry must be durable too.
        let dir = self.lock().dir.clone();
        atomic_file::sync_dir(&dir)
    }

    /// Counts `n` records that never reached the buffer as dropped.
    pub fn count_dropped(&self, n: u64) {
        self.lock().dropped += n;
    }

    /// Records waiting, their size on disk, and drops since start.
    pub fn health(&self) -> BufferHealth {
        let inner = self.lock();
        BufferHealth {
            depth: inner.depth(),
            bytes: inner.total_bytes(),
            dropped: inner.dropped,
        }
    }

    /// The highest acknowledged sequence number.
    pub fn acked(&self) -> u64 {
        self.lock().acked
    }
}

#[cfg(test)]
mod tests {
    use monitron_proto::push::CheckResult;

    use super::*;

    fn result(name: &str, at: DateTime<Utc>) -> RecordBody {
        RecordBody::Result(CheckResult {
            name: name.into(),
            source: "probe".into(),
            check_type: "tcp".into(),
            timestamp: at,
            up: true,
            response_ms: Some(1.0),
            message: "ok".into(),
            details: serde_json::Value::Null,
        })
    }

    fn limits(max_bytes: u64, max_age_s: u64) -> BufferLimits {
        BufferLimits {
            max_bytes,
            max_age_s,
        }
    }

    fn names(records: &[Record]) -> Vec<(u64, String)> {
        records
            .iter()
            .map(|r| match &r.body {
                RecordBody::Result(c) => (r.seq, c.name.clone()),
                RecordBody::Snapshot(_) => (r.seq, "snapshot".into()),
            })
            .collect()
    }

    #[test]
    fn records_come_back_in_order_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        let now = Utc::now();
        for i in 0..5 {
            assert_eq!(
                buffer.append(&result(&format!("r{i}"), now)).unwrap(),
                i + 1
            );
        }
        assert_eq!(buffer.unacked(2).unwrap().len(), 2);
        buffer.ack(2).unwrap();
        assert_eq!(buffer.health().depth, 3);
        buffer.sync().unwrap();
        drop(buffer);

        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        assert_eq!(
            names(&buffer.unacked(10).unwrap()),
            [(3, "r2".into()), (4, "r3".into()), (5, "r4".into())]
        );
        assert_eq!(
            buffer.append(&result("r5", now)).unwrap(),
            6,
            "seq continues"
        );
        buffer.ack(6).unwrap();
        assert_eq!(buffer.health().depth, 0);
        assert!(buffer.unacked(10).unwrap().is_empty());
        drop(buffer);
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        assert_eq!(
            buffer.append(&result("r6", now)).unwrap(),
            7,
            "seq survives an empty buffer"
        );
    }

    #[test]
    fn a_torn_tail_is_cut_off_and_the_rest_kept() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        let now = Utc::now();
        for i in 0..3 {
            buffer.append(&result(&format!("r{i}"), now)).unwrap();
        }
        drop(buffer);
        let segment = dir.path().join(segment_name(1));
        let intact = std::fs::metadata(&segment).unwrap().len();

        // A write cut short by a crash: half a frame at the end.
        let torn = frame(
            4,
            now.timestamp_millis(),
            br#"{"kind":"result","name":"r3"}"#,
        );
        let mut file = OpenOptions::new().append(true).open(&segment).unwrap();
        file.write_all(&torn[..torn.len() / 2]).unwrap();
        drop(file);
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        assert_eq!(std::fs::metadata(&segment).unwrap().len(), intact);
        assert_eq!(names(&buffer.unacked(10).unwrap()).len(), 3);
        assert_eq!(buffer.append(&result("r3", now)).unwrap(), 4);
        drop(buffer);

        // A flipped byte inside the last record: its CRC fails, earlier ones stay.
        let mut data = std::fs::read(&segment).unwrap();
        let last = data.len() - 3;
        data[last] ^= 0xff;
        std::fs::write(&segment, &data).unwrap();
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        assert_eq!(
            names(&buffer.unacked(10).unwrap()),
            [(1, "r0".into()), (2, "r1".into()), (3, "r2".into())]
        );
        assert_eq!(buffer.append(&result("again", now)).unwrap(), 4);
    }

    #[test]
    fn damage_in_an_older_segment_keeps_the_newer_ones() {
        let dir = tempfile::tempdir().unwrap();
        // Small segments: 64 KiB each.
        let buffer = Buffer::open(dir.path().into(), limits(512 * 1024, 86_400)).unwrap();
        let now = Utc::now();
        let big = "x".repeat(4000);
        for i in 0..40 {
            buffer.append(&result(&format!("{i}-{big}"), now)).unwrap();
        }
        drop(buffer);
        let first = dir.path().join(segment_name(1));
        let mut data = std::fs::read(&first).unwrap();
        let middle = data.len() / 2;
        data[middle] ^= 0xff;
        std::fs::write(&first, &data).unwrap();
        let buffer = Buffer::open(dir.path().into(), limits(512 * 1024, 86_400)).unwrap();
        let records = buffer.unacked(100).unwrap();
        assert!(
            records.len() < 40 && records.len() > 20,
            "{}",
            records.len()
        );
        assert_eq!(
            records.last().unwrap().seq,
            40,
            "the newest records are kept"
        );
        assert!(records.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(buffer.health().depth, records.len() as u64);
        assert_eq!(buffer.append(&result("next", now)).unwrap(), 41);
    }

    #[test]
    fn the_byte_limit_drops_the_oldest_records_and_counts_them() {
        let dir = tempfile::tempdir().unwrap();
        let max_bytes = 1024 * 1024;
        let buffer = Buffer::open(dir.path().into(), limits(max_bytes, 86_400)).unwrap();
        let now = Utc::now();
        let big = "x".repeat(2000);
        for i in 0..2000 {
            buffer.append(&result(&format!("{i}-{big}"), now)).unwrap();
        }
        let health = buffer.health();
        assert!(health.bytes <= max_bytes, "{health:?}");
        assert!(health.dropped > 0);
        assert_eq!(health.depth + health.dropped, 2000);
        let oldest = buffer.unacked(1).unwrap();
        assert_eq!(
            oldest[0].seq,
            health.dropped + 1,
            "oldest first, contiguous"
        );
    }

    /// Regression: with the buffer full, an append from another task dropped the oldest
    /// segment while a batch was being read, and the read failed with NotFound, every time.
    #[test]
    fn a_segment_dropped_while_a_batch_is_read_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let max_bytes = 1024 * 1024;
        let buffer = Buffer::open(dir.path().into(), limits(max_bytes, 86_400)).unwrap();
        let now = Utc::now();
        let big = "x".repeat(2000);
        // About 850 KB in segments of 128 KiB: under the bound.
        for i in 0..400 {
            buffer.append(&result(&format!("{i}-{big}"), now)).unwrap();
        }
        assert_eq!(buffer.health().dropped, 0);
        // The reader takes its list of segments...
        let (start, segments) = buffer.unacked_segments();
        assert!(segments.len() > 1);
        // ...then appends push the buffer over its bound and drop the oldest ones.
        for i in 400..500 {
            buffer.append(&result(&format!("{i}-{big}"), now)).unwrap();
        }
        assert!(!segments[0].path.exists(), "the oldest segment was dropped");
        let records = read_records(start, &segments, 10_000).unwrap();
        assert!(!records.is_empty());
        assert!(records.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(records[0].seq > segments[0].last_seq);
        // And the next batch starts after what was dropped.
        let health = buffer.health();
        assert_eq!(buffer.unacked(1).unwrap()[0].seq, health.dropped + 1);
    }

    #[test]
    fn records_older_than_the_age_limit_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Buffer::open(dir.path().into(), limits(64 * 1024 * 1024, 60)).unwrap();
        let now = Utc::now();
        buffer
            .append(&result("old", now - chrono::TimeDelta::seconds(120)))
            .unwrap();
        buffer
            .append(&result("older", now - chrono::TimeDelta::seconds(90)))
            .unwrap();
        buffer.append(&result("new", now)).unwrap();
        buffer.expire(now).unwrap();
        assert_eq!(names(&buffer.unacked(10).unwrap()), [(3, "new".into())]);
        assert_eq!(buffer.health().dropped, 2);
    }

    #[test]
    fn acks_beyond_what_was_written_are_clamped() {
        let dir = tempfile::tempdir().unwrap();
        let buffer = Buffer::open(dir.path().into(), BufferLimits::default()).unwrap();
        buffer.append(&result("a", Utc::now())).unwrap();
        buffer.ack(99).unwrap();
        assert_eq!(buffer.acked(), 1);
        assert_eq!(buffer.append(&result("b", Utc::now())).unwrap(), 2);
    }
}
