//! A zip archive as Go's `archive/zip` writes it for hashicorp/archive: per entry a local
//! header with the data-descriptor flag and zero sizes, the deflated data (level 5), a data
//! descriptor; then the central directory and its end record. No extra fields, no comments, no
//! directory entries; times are those of `SetModTime(time.Time{})` where the provider sets them
//! (files), none (0) for entries made with `Create` (content).
//! Archives over 4 GiB (zip64) are not written.

use super::{Deflater, Level};

/// MS-DOS date and time of Go's zero `time.Time` (year 1, as `timeToMsDosTime` wraps it).
const ZERO_TIME_DATE: u16 = 0x8a21;
const ZERO_TIME_TIME: u16 = 0;
const VERSION_20: u16 = 20;
const CREATOR_UNIX: u16 = 3 << 8;
const FLAG_DATA_DESCRIPTOR: u16 = 0x8;
const FLAG_UTF8: u16 = 0x800;
const METHOD_DEFLATE: u16 = 8;
const MSDOS_DIR: u32 = 0x10;
const MSDOS_READ_ONLY: u32 = 0x01;

/// One file of an archive.
pub struct ZipEntry<'a> {
    pub name: &'a str,
    pub content: &'a [u8],
    /// The Unix mode (`S_IFREG | 0644`, say) where the header carries one (`FileInfoHeader`,
    /// `SetMode`, `SetModTime`); `None` for entries made with `Create`, which carry neither a
    /// mode nor a time.
    pub unix_mode: Option<u32>,
}

/// The Unix mode Go's `fileModeToUnixMode` gives a Go `fs.FileMode` (its own type bits, not
/// Unix's): what `SetMode(os.FileMode(n))` records for `output_file_mode`.
pub fn unix_mode_of_go_file_mode(mode: u32) -> u32 {
    const DIR: u32 = 1 << 31;
    const SYMLINK: u32 = 1 << 27;
    const DEVICE: u32 = 1 << 26;
    const NAMED_PIPE: u32 = 1 << 25;
    const SOCKET: u32 = 1 << 24;
    const SETUID: u32 = 1 << 23;
    const SETGID: u32 = 1 << 22;
    const CHAR_DEVICE: u32 = 1 << 21;
    const STICKY: u32 = 1 << 20;
    const IRREGULAR: u32 = 1 << 19;
    let kind = match mode & (DIR | SYMLINK | NAMED_PIPE | SOCKET | DEVICE | CHAR_DEVICE | IRREGULAR) {
        DIR => 0o040000,
        SYMLINK => 0o120000,
        NAMED_PIPE => 0o010000,
        SOCKET => 0o140000,
        DEVICE => 0o060000,
        m if m == DEVICE | CHAR_DEVICE => 0o020000,
        _ => 0o100000,
    };
    let flags = [(SETUID, 0o4000), (SETGID, 0o2000), (STICKY, 0o1000)];
    let extra: u32 = flags.iter().filter(|(go, _)| mode & go != 0).map(|(_, unix)| unix).sum();
    kind | extra | (mode & 0o777)
}

/// Go's `detectUTF8`: whether a name needs the UTF-8 flag (characters outside the range most
/// code pages agree on).
fn requires_utf8(name: &str) -> bool {
    name.chars().any(|c| (c as u32) < 0x20 || (c as u32) > 0x7d || c == '\\')
}

struct Written {
    flags: u16,
    crc: u32,
    compressed: u32,
    size: u32,
    offset: u32,
    creator: u16,
    external: u32,
    date: u16,
}

/// The archive's bytes; `None` when it would need zip64 (4 GiB or more).
pub fn zip_as_go_writes(entries: &[ZipEntry<'_>]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut written = Vec::with_capacity(entries.len());
    for entry in entries {
        let flags = FLAG_DATA_DESCRIPTOR | if requires_utf8(entry.name) { FLAG_UTF8 } else { 0 };
        let offset = u32::try_from(out.len()).ok()?;
        let date = if entry.unix_mode.is_some() { ZERO_TIME_DATE } else { 0 };
        out.extend(0x04034b50u32.to_le_bytes());
        for v in [VERSION_20, flags, METHOD_DEFLATE, ZERO_TIME_TIME, date] {
            out.extend(v.to_le_bytes());
        }
        out.extend([0u8; 12]);
        out.extend(u16::try_from(entry.name.len()).ok()?.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(entry.name.as_bytes());
        let mut deflate = Deflater::new(Level::Five);
        deflate.write(entry.content);
        let data = deflate.finish();
        out.extend(&data);
        let crc = crc32fast::hash(entry.content);
        let (compressed, size) = (u32::try_from(data.len()).ok()?, u32::try_from(entry.content.len()).ok()?);
        for v in [0x08074b50, crc, compressed, size] {
            out.extend(v.to_le_bytes());
        }
        let (creator, external) = match entry.unix_mode {
            Some(mode) => {
                let dir = if mode & 0o170000 == 0o040000 { MSDOS_DIR } else { 0 };
                let read_only = if mode & 0o200 == 0 { MSDOS_READ_ONLY } else { 0 };
                (CREATOR_UNIX | VERSION_20, mode << 16 | dir | read_only)
            }
            None => (VERSION_20, 0),
        };
        written.push(Written { flags, crc, compressed, size, offset, creator, external, date });
    }
    let start = u32::try_from(out.len()).ok()?;
    for (entry, w) in entries.iter().zip(&written) {
        out.extend(0x02014b50u32.to_le_bytes());
        for v in [w.creator, VERSION_20, w.flags, METHOD_DEFLATE, ZERO_TIME_TIME, w.date] {
            out.extend(v.to_le_bytes());
        }
        for v in [w.crc, w.compressed, w.size] {
            out.extend(v.to_le_bytes());
        }
        out.extend((entry.name.len() as u16).to_le_bytes());
        out.extend([0u8; 8]); // extra and comment lengths, disk number, internal attributes
        out.extend(w.external.to_le_bytes());
        out.extend(w.offset.to_le_bytes());
        out.extend(entry.name.as_bytes());
    }
    let size = u32::try_from(out.len()).ok()? - start;
    let records = u16::try_from(entries.len()).ok().filter(|&n| n < u16::MAX)?;
    out.extend(0x06054b50u32.to_le_bytes());
    out.extend([0u8; 4]);
    out.extend(records.to_le_bytes());
    out.extend(records.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(start.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    Some(out)
}
