//! The exact bytes Go's `compress/flate` and `compress/gzip` write, where Terraform's values
//! depend on them: `base64gzip` (Terraform's function), `cloudinit_config`'s `rendered` with
//! `gzip` (hashicorp/cloudinit), `archive_file`'s digests (hashicorp/archive, through Go's
//! `archive/zip` at level 5).
//!
//! Every encoder decodes to the same text, but each picks its own matches and Huffman codes, and
//! a digest or a `user_data` built from other bytes than Terraform's plans a change that is not
//! one. So this module follows Go's choices: the lazy matcher (`deflate`), the block encoder
//! (`blocks`) and the length-limited code construction (`huffman`). Checked against bytes Go
//! wrote (`tests/fixtures/oracle/gozip`). It does not decompress (flate2 does), nor know what
//! the bytes are for.

mod blocks;
mod deflate;
mod huffman;
mod zip;

pub use deflate::{Deflater, Level};
pub use zip::{ZipEntry, unix_mode_of_go_file_mode, zip_as_go_writes};

/// Go's `gzip.Writer` from `gzip.NewWriter`: no name, no modification time, OS "unknown".
pub struct GzipWriter {
    out: Vec<u8>,
    deflate: Deflater,
    crc: crc32fast::Hasher,
    size: u32,
}

impl Default for GzipWriter {
    fn default() -> GzipWriter {
        GzipWriter::new()
    }
}

impl GzipWriter {
    pub fn new() -> GzipWriter {
        GzipWriter {
            // Level 6 (`DefaultCompression`) leaves the extra-flags byte 0.
            out: vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff],
            deflate: Deflater::new(Level::Six),
            crc: crc32fast::Hasher::new(),
            size: 0,
        }
    }

    pub fn write(&mut self, data: &[u8]) {
        self.crc.update(data);
        self.size = self.size.wrapping_add(data.len() as u32);
        self.deflate.write(data);
    }

    /// Go's `Flush`: a sync flush of the deflate stream.
    pub fn flush(&mut self) {
        self.deflate.flush();
    }

    /// Go's `Close`: the final block and the trailer (CRC-32 and size, little-endian).
    pub fn finish(self) -> Vec<u8> {
        let mut out = self.out;
        out.extend(self.deflate.finish());
        out.extend_from_slice(&self.crc.finalize().to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        out
    }
}

/// What Terraform's `base64gzip` compresses a string to (before base64): one write, a flush,
/// and close, as its Go does.
pub fn gzip_as_terraform_does(data: &[u8]) -> Vec<u8> {
    let mut gzip = GzipWriter::new();
    gzip.write(data);
    gzip.flush();
    gzip.finish()
}

#[cfg(test)]
mod tests;
