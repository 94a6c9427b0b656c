//! Per-filesystem usage (`statvfs`) and per-device I/O rates (`/proc/diskstats` deltas).
//!
//! The mount table comes from `/proc/self/mountinfo`, which names each filesystem's device
//! number, so I/O counters are matched to mounts exactly (also for `/dev/mapper/*` and
//! `/dev/disk/by-*` sources). It is re-read every [`MOUNTS_REFRESH`] rather than every
//! collection: hosts running containers can have thousands of mounts, and parsing them every
//! second would cost more than everything else together.
//!
//! Reported: filesystems that hold data on this host. Skipped: pseudo and in-memory
//! filesystems ([`SKIPPED_FS`]), network filesystems (`statvfs` on an unreachable server can
//! block for minutes; watch those with a probe instead), and filesystems of size 0. A
//! filesystem mounted more than once (bind mounts, container volumes) is reported once, under
//! its shortest mount point.

use std::collections::HashMap;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

use monitron_proto::snapshot::Disk;

use super::{rate, round2};

/// How often the mount table is read again.
pub(crate) const MOUNTS_REFRESH: Duration = Duration::from_secs(30);

/// Filesystem types never reported: pseudo, in-memory, container layers and network.
pub(crate) const SKIPPED_FS: &[&str] = &[
    "autofs",
    "binfmt_misc",
    "bpf",
    "cgroup",
    "cgroup2",
    "configfs",
    "debugfs",
    "devpts",
    "devtmpfs",
    "efivarfs",
    "fusectl",
    "hugetlbfs",
    "mqueue",
    "nsfs",
    "overlay",
    "proc",
    "pstore",
    "ramfs",
    "rpc_pipefs",
    "securityfs",
    "selinuxfs",
    "squashfs",
    "sysfs",
    "tmpfs",
    "tracefs",
    "aufs",
    "nfsd",
    "fuse.lxcfs",
    "fuse.gvfsd-fuse",
    "fuse.portal",
    "fuse.snapfuse",
    // Network filesystems: statvfs can hang when the server is away.
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "ncpfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.sshfs",
    "fuse.glusterfs",
    "fuse.rclone",
    "fuse.s3fs",
    "lustre",
    "gpfs",
];

/// One filesystem from the mount table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mount {
    /// Mount point.
    pub mount: String,
    /// Source as mounted (`/dev/vda1`).
    pub device: String,
    /// Filesystem type.
    pub fs: String,
    /// Device number, `major:minor`.
    pub majmin: String,
}

/// Decodes the octal escapes (`\040` for a space) that the kernel writes in mount tables.
fn unescape(field: &str) -> String {
    if !field.contains('\\') {
        return field.to_owned();
    }
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() {
            let code = std::str::from_utf8(&bytes[i + 1..i + 4]).ok();
            if let Some(b) = code.and_then(|c| u8::from_str_radix(c, 8).ok()) {
                out.push(b);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses one line of `/proc/self/mountinfo`.
fn parse_mountinfo_line(line: &str) -> Option<Mount> {
    let mut fields = line.split(' ');
    let _id = fields.next()?;
    let _parent = fields.next()?;
    let majmin = fields.next()?;
    let _root = fields.next()?;
    let mount = unescape(fields.next()?);
    // Optional fields end at a lone "-"; then type, source, super options.
    let mut fields = fields.skip_while(|f| *f != "-");
    fields.next()?;
    let fs = fields.next()?;
    let device = unescape(fields.next()?);
    Some(Mount {
        mount,
        device,
        fs: fs.to_owned(),
        majmin: majmin.to_owned(),
    })
}

/// The filesystems worth reporting, one per device, each under its shortest mount point.
pub(crate) fn parse_mount_table(text: &str) -> Vec<Mount> {
    let mut by_device: HashMap<String, Mount> = HashMap::new();
    for mount in text.lines().filter_map(parse_mountinfo_line) {
        if SKIPPED_FS.contains(&mount.fs.as_str()) {
            continue;
        }
        let keep = match by_device.get(&mount.majmin) {
            Some(seen) => (mount.mount.len(), &mount.mount) < (seen.mount.len(), &seen.mount),
            None => true,
        };
        if keep {
            by_device.insert(mount.majmin.clone(), mount);
        }
    }
    let mut mounts: Vec<Mount> = by_device.into_values().collect();
    mounts.sort_by(|a, b| a.mount.cmp(&b.mount));
    mounts
}

/// Reads this host's mount table.
pub(crate) fn mount_table() -> Vec<Mount> {
    match std::fs::read_to_string("/proc/self/mountinfo") {
        Ok(text) => parse_mount_table(&text),
        Err(err) => {
            tracing::warn!(error = %err, "Cannot read /proc/self/mountinfo.");
            Vec::new()
        }
    }
}

/// Size and free space of a mounted filesystem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Usage {
    /// Size.
    pub total: u64,
    /// Space in use (size minus free blocks, as `df` counts it).
    pub used: u64,
}

/// `statvfs` on a mount point.
pub(crate) fn usage(mount: &str) -> Option<Usage> {
    let path = CString::new(Path::new(mount).as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid C string and `stat` a writable statvfs buffer.
    let rc = unsafe { libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the buffer.
    let stat = unsafe { stat.assume_init() };
    // The field types differ between 32- and 64-bit targets.
    #[allow(clippy::useless_conversion)]
    let (fragment, blocks, free_blocks) = (
        u64::from(stat.f_frsize),
        u64::from(stat.f_blocks),
        u64::from(stat.f_bfree),
    );
    let total = blocks.saturating_mul(fragment);
    let free = free_blocks.saturating_mul(fragment);
    Some(Usage {
        total,
        used: total.saturating_sub(free),
    })
}

/// The name `/proc/diskstats` uses for a mount's device, where it has one.
fn stat_name(mount: &Mount, by_number: &HashMap<String, String>) -> Option<String> {
    if let Some(name) = by_number.get(&mount.majmin) {
        return Some(name.clone());
    }
    // Filesystems with an anonymous device number (btrfs) still name their block device.
    let source = Path::new(&mount.device);
    if !source.is_absolute() {
        return None;
    }
    let real = std::fs::canonicalize(source).ok()?;
    let name = real.file_name()?.to_string_lossy().into_owned();
    by_number.values().any(|n| *n == name).then_some(name)
}

struct Tracked {
    mount: Mount,
    stat_name: Option<String>,
}

/// Keeps the mount table and the previous I/O counters for the next delta.
#[derive(Default)]
pub(crate) struct DiskSampler {
    mounts: Vec<Tracked>,
    mounts_read_at: Option<Instant>,
    /// Sectors read and written per diskstats name, at `previous_at`.
    previous: HashMap<String, (u64, u64)>,
    previous_at: Option<Instant>,
}

impl DiskSampler {
    /// Reports usage of every filesystem and I/O rates since the previous call.
    pub(crate) fn sample(&mut self, now: Instant) -> Vec<Disk> {
        let stats = match procfs::diskstats() {
            Ok(stats) => stats,
            Err(err) => {
                tracing::warn!(error = %err, "Cannot read /proc/diskstats.");
                Vec::new()
            }
        };
        let stale = self
            .mounts_read_at
            .is_none_or(|at| now.duration_since(at) >= MOUNTS_REFRESH);
        if stale {
            let by_number: HashMap<String, String> = stats
                .iter()
                .map(|s| (format!("{}:{}", s.major, s.minor), s.name.clone()))
                .collect();
            self.mounts = mount_table()
                .into_iter()
                .map(|mount| Tracked {
                    stat_name: stat_name(&mount, &by_number),
                    mount,
                })
                .collect();
            self.mounts_read_at = Some(now);
        }
        let elapsed = self.previous_at.map(|at| now.duration_since(at));
        let mut current = HashMap::with_capacity(self.mounts.len());
        for s in &stats {
            if self
                .mounts
                .iter()
                .any(|m| m.stat_name.as_deref() == Some(&s.name))
            {
                current.insert(s.name.clone(), (s.sectors_read, s.sectors_written));
            }
        }
        let mut disks = Vec::with_capacity(self.mounts.len());
        for tracked in &self.mounts {
            let Some(usage) = usage(&tracked.mount.mount) else {
                continue;
            };
            if usage.total == 0 {
                continue;
            }
            // A device without I/O counters, or read for the first time, has no rate.
            let (mut read_rate, mut write_rate) = (None, None);
            if let (Some(name), Some(elapsed)) = (&tracked.stat_name, elapsed) {
                if let (Some(now), Some(before)) = (current.get(name), self.previous.get(name)) {
                    // Sectors in /proc/diskstats are always 512 bytes.
                    read_rate = rate(before.0 * 512, now.0 * 512, elapsed);
                    write_rate = rate(before.1 * 512, now.1 * 512, elapsed);
                }
            }
            disks.push(Disk {
                mount: tracked.mount.mount.clone(),
                device: tracked.mount.device.clone(),
                fs: tracked.mount.fs.clone(),
                total_bytes: usage.total,
                used_bytes: usage.used,
                used_pct: round2(usage.used as f64 * 100.0 / usage.total as f64),
                read_bytes_per_s: read_rate,
                write_bytes_per_s: write_rate,
            });
        }
        self.previous = current;
        self.previous_at = Some(now);
        disks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
22 1 0:21 / /proc rw,nosuid shared:5 - proc proc rw
25 1 253:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw
26 25 253:1 /srv/data /mnt/bind rw,relatime shared:1 - ext4 /dev/vda1 rw
27 25 8:16 / /mnt/my\\040disk rw,relatime - xfs /dev/sdb rw
28 25 0:45 / /run rw - tmpfs tmpfs rw
29 25 0:50 / /home rw - nfs4 server:/home rw
30 25 0:60 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw
";

    #[test]
    fn the_mount_table_keeps_one_entry_per_real_filesystem() {
        let mounts = parse_mount_table(TABLE);
        let summary: Vec<(&str, &str, &str, &str)> = mounts
            .iter()
            .map(|m| {
                (
                    m.mount.as_str(),
                    m.device.as_str(),
                    m.fs.as_str(),
                    m.majmin.as_str(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("/", "/dev/vda1", "ext4", "253:1"),
                ("/mnt/my disk", "/dev/sdb", "xfs", "8:16"),
            ]
        );
    }

    #[test]
    fn escapes_are_decoded_and_malformed_lines_skipped() {
        assert_eq!(unescape("a\\040b\\011c"), "a b\tc");
        assert_eq!(unescape("trailing\\04"), "trailing\\04");
        assert_eq!(parse_mountinfo_line("garbage"), None);
        assert_eq!(parse_mountinfo_line("1 2 3:4 / /x rw no-dash-here"), None);
    }

    #[test]
    fn root_filesystem_usage_is_plausible() {
        let usage = usage("/").unwrap();
        assert!(usage.total > 0 && usage.used <= usage.total, "{usage:?}");
        assert!(super::usage("/does/not/exist").is_none());
    }
}
