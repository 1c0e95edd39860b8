//! The encodings hashicorp/tls gives a key, as Go's libraries write them: PEM blocks
//! (`encoding/pem`: 64 columns, `\n`), the SSH wire format and authorized-keys line
//! (`x/crypto/ssh`), its MD5 and SHA-256 fingerprints, and the OpenSSH private key format
//! (PROTOCOL.key, unencrypted).

use base64::Engine as _;
use md5::Digest as _;

/// A PEM block of `der` under `label`.
pub(super) fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// SSH wire encoding: a length-prefixed string.
pub(super) fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// SSH wire encoding: a non-negative multiple-precision integer from its big-endian bytes
/// (minimal, with a zero byte first where the top bit is set).
pub(super) fn put_mpint(out: &mut Vec<u8>, big_endian: &[u8]) {
    let trimmed: &[u8] = {
        let first = big_endian.iter().position(|b| *b != 0).unwrap_or(big_endian.len());
        &big_endian[first..]
    };
    let mut bytes = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        bytes.push(0);
    }
    bytes.extend_from_slice(trimmed);
    put_string(out, &bytes);
}

/// The public key's authorized-keys line (`ssh.MarshalAuthorizedKey`, with the comment where
/// one is set), and its MD5 (`aa:bb:...`) and SHA-256 (`SHA256:...`) fingerprints.
pub(super) fn openssh_public(key_type: &str, wire: &[u8], comment: &str) -> (String, String, String) {
    let b64 = base64::engine::general_purpose::STANDARD.encode(wire);
    let line = if comment.is_empty() { format!("{key_type} {b64}\n") } else { format!("{key_type} {b64} {comment}\n") };
    let md5: Vec<String> = md5::Md5::digest(wire).iter().map(|b| format!("{b:02x}")).collect();
    let sha256 = base64::engine::general_purpose::STANDARD_NO_PAD.encode(sha2::Sha256::digest(wire));
    (line, md5.join(":"), format!("SHA256:{sha256}"))
}

/// An unencrypted OpenSSH private key (`ssh.MarshalPrivateKey`): `private` is the key type's
/// fields after its type name; `check` the check integer (Go draws it at random; here it is
/// derived with the key).
pub(super) fn openssh_private(key_type: &str, wire: &[u8], private: &[u8], comment: &str, check: u32) -> String {
    let mut block = Vec::new();
    block.extend_from_slice(&check.to_be_bytes());
    block.extend_from_slice(&check.to_be_bytes());
    put_string(&mut block, key_type.as_bytes());
    block.extend_from_slice(private);
    put_string(&mut block, comment.as_bytes());
    // Padded to the cipher's block size ("none": 8) with 1, 2, 3, ...
    let mut pad = 1u8;
    while block.len() % 8 != 0 {
        block.push(pad);
        pad += 1;
    }
    let mut out = b"openssh-key-v1\0".to_vec();
    put_string(&mut out, b"none");
    put_string(&mut out, b"none");
    put_string(&mut out, b"");
    out.extend_from_slice(&1u32.to_be_bytes());
    put_string(&mut out, wire);
    put_string(&mut out, &block);
    pem("OPENSSH PRIVATE KEY", &out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_blocks_wrap_at_64_columns() {
        let text = pem("PUBLIC KEY", &[0u8; 60]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "-----BEGIN PUBLIC KEY-----");
        assert_eq!((lines[1].len(), lines[2].len()), (64, 16));
        assert_eq!(lines[3], "-----END PUBLIC KEY-----");
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn mpints_are_minimal_and_never_negative() {
        let enc = |b: &[u8]| {
            let mut out = Vec::new();
            put_mpint(&mut out, b);
            out
        };
        assert_eq!(enc(&[0, 0, 0x7f]), [0, 0, 0, 1, 0x7f]);
        assert_eq!(enc(&[0x80]), [0, 0, 0, 2, 0, 0x80]);
        assert_eq!(enc(&[0, 0]), [0, 0, 0, 0]);
    }

    /// RFC 8709's example public key, and its fingerprints as `ssh-keygen -l` prints them.
    #[test]
    fn authorized_keys_lines_and_fingerprints() {
        let mut wire = Vec::new();
        put_string(&mut wire, b"ssh-ed25519");
        put_string(&mut wire, &[0u8; 32]);
        let (line, md5, sha) = openssh_public("ssh-ed25519", &wire, "");
        assert_eq!(line, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n");
        assert_eq!(md5.split(':').count(), 16);
        assert!(sha.starts_with("SHA256:") && !sha.ends_with('='));
        let (commented, _, _) = openssh_public("ssh-ed25519", &wire, "dr@stack");
        assert!(commented.ends_with("AAAA dr@stack\n"), "{commented}");
    }
}
