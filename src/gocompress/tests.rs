//! The bytes Go wrote for the cases of `tests/fixtures/oracle/gozip` (gen.go there), rebuilt
//! here from the same input specs and compared: whole where small, by SHA-256 where large.

use std::path::PathBuf;

use base64::Engine as _;
use sha2::Digest as _;

use super::*;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oracle/gozip")
}

/// A case's input, by the rules of gen.go's `input`.
fn input(spec: &str) -> Vec<u8> {
    let parts: Vec<&str> = spec.splitn(4, ':').collect();
    let num = |i: usize| parts[i].parse::<u64>().unwrap();
    let lcg = |x: &mut u64| {
        *x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        *x
    };
    match parts[0] {
        "text" => spec[5..].replace("\\n", "\n").into_bytes(),
        "repeat" => parts[2].replace("\\n", "\n").repeat(num(1) as usize).into_bytes(),
        "lcg" => {
            let alphabet: Vec<u8> = if parts[3] == "bytes" { (0..=255).collect() } else { parts[3].bytes().collect() };
            let mut x = num(1);
            (0..num(2)).map(|_| alphabet[((lcg(&mut x) >> 33) % alphabet.len() as u64) as usize]).collect()
        }
        "words" => {
            let words: Vec<&str> = "the quick brown fox jumps over lazy dog echo sudo apt-get install -y nginx systemctl enable start /etc/nginx/conf.d server listen 80 location proxy_pass http://127.0.0.1:8080; }".split_whitespace().collect();
            let mut x = num(1);
            let mut out = String::new();
            for _ in 0..num(2) {
                let r = lcg(&mut x);
                out.push_str(words[((r >> 33) % words.len() as u64) as usize]);
                out.push(if (r >> 20) % 7 == 0 { '\n' } else { ' ' });
            }
            out.into_bytes()
        }
        "file" => std::fs::read(fixture_dir().join(parts[1])).unwrap(),
        other => panic!("unknown spec {other}"),
    }
}

/// Writes `data` in pieces of `size` bytes (all at once for 0).
fn pieces(data: &[u8], size: usize) -> Vec<&[u8]> {
    if size == 0 {
        return vec![data];
    }
    data.chunks(size).collect()
}

/// What gen.go records of some bytes.
fn recorded(bytes: &[u8]) -> String {
    if bytes.len() <= 2048 {
        return base64::engine::general_purpose::STANDARD.encode(bytes);
    }
    format!("sha256:{}:{}", hex::encode(sha2::Sha256::digest(bytes)), bytes.len())
}

#[test]
fn streams_equal_the_bytes_go_writes() {
    let cases = std::fs::read_to_string(fixture_dir().join("cases.txt")).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture_dir().join("expected.json")).unwrap()).unwrap();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for line in cases.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let fields: Vec<&str> = line.splitn(3, ' ').collect();
        let (name, size, data) = (fields[0], fields[1].parse().unwrap(), input(fields[2]));
        let mut flushed = GzipWriter::new();
        let mut closed = GzipWriter::new();
        let mut deflate5 = Deflater::new(Level::Five);
        for piece in pieces(&data, size) {
            flushed.write(piece);
            closed.write(piece);
            deflate5.write(piece);
        }
        flushed.flush();
        let ours = [("flush_close", flushed.finish()), ("close", closed.finish()), ("deflate5", deflate5.finish())];
        for (kind, bytes) in ours {
            checked += 1;
            if expected[name][kind] != recorded(&bytes).as_str() {
                wrong.push(format!("{name} {kind}: {} bytes, Go: {}", bytes.len(), expected[name][kind]));
            }
        }
    }
    assert!(checked >= 48, "every case is checked");
    assert!(wrong.is_empty(), "{} streams differ from Go's:\n{}", wrong.len(), wrong.join("\n"));
}

/// Terraform 1.11.4's own answers (`terraform console`, 2026-12-07), repeats included.
#[test]
fn terraform_base64gzip_answers() {
    let b64 = |data: &[u8]| base64::engine::general_purpose::STANDARD.encode(gzip_as_terraform_does(data));
    assert_eq!(b64(b"hello"), "H4sIAAAAAAAA/8pIzcnJBwAAAP//AQAA//+GphA2BQAAAA==");
    assert_eq!(b64(b"hello hello hello hello world"), "H4sIAAAAAAAA/8pIzcnJV8Aky/OLclIAAAAA//8BAAD//zNlNDQdAAAA");
    let sha = |text: String| hex::encode(sha2::Sha256::digest(text));
    // sha256(base64gzip(file("user_data.sh")))
    let script = std::fs::read(fixture_dir().join("user_data.sh")).unwrap();
    assert_eq!(sha(b64(&script)), "ee1947bdadcb7fac772832d4a1957ba2b3fb0ca4f3168e39424404f49b91a6c5");
    // sha256(base64gzip(join("", [for i in range(1000) : "line ${i} of the DR bootstrap\n"])))
    let lines: String = (0..1000).map(|i| format!("line {i} of the DR bootstrap\n")).collect();
    assert_eq!(sha(b64(lines.as_bytes())), "5af43498546fa30dd4ce30b5f525ac8cdd2cada4c6274f520fc08925635cae00");
}
