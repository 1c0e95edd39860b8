//! `cloudinit_config` (hashicorp/cloudinit), the data source and the resource: a cloud-init
//! MIME multi-part document of its `part` blocks, rendered while planning as the provider
//! renders it (Go's `mime/multipart` layout: canonical header names in sorted order, the fixed
//! boundary, `\r\n` line ends), so `rendered` is known on the first plan and the same on every
//! plan and machine; the resource keeps nothing in state either, so drplan serves both alike.
//!
//! With `gzip` (the default) the document is deflated before base64, as Go's `compress/gzip`
//! deflates it (`gocompress`), so `rendered` is the provider's value byte for byte either way.

use base64::Engine as _;

use crate::eval::Value;

pub const TYPE: &str = "cloudinit_config";

/// The data source's (or the resource's) value: its arguments with the provider's defaults,
/// `rendered` and `id`; `rendered` is unknown while a part is.
pub fn render(config: &Value) -> Result<Value, String> {
    let mut out = config.as_map().cloned().unwrap_or_default();
    let flag = |name: &str| match config.get(name) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Null) | None => Some(true),
        _ => None,
    };
    let boundary = match config.get("boundary") {
        Some(Value::String(b)) => Some(b.clone()),
        Some(Value::Null) | None => Some("MIMEBOUNDARY".to_string()),
        _ => None,
    };
    let parts = parts(config);
    let (Some(gzip), Some(base64), Some(boundary), Some(parts)) =
        (flag("gzip"), flag("base64_encode"), boundary, parts)
    else {
        out.insert("rendered".into(), Value::Unknown);
        out.insert("id".into(), Value::Unknown);
        return Ok(Value::Map(out.into()));
    };
    if gzip && !base64 {
        return Err("Expected base64_encode to be set to true when gzip is true.".into());
    }
    valid_boundary(&boundary)?;
    let writes = multipart(&boundary, &parts);
    let bytes = if gzip {
        // Written into gzip piece by piece, then closed, as the provider does (`gocompress`).
        let mut gzip = crate::gocompress::GzipWriter::new();
        for piece in &writes {
            gzip.write(piece.as_bytes());
        }
        gzip.finish()
    } else {
        writes.concat().into_bytes()
    };
    let rendered = if base64 {
        base64::engine::general_purpose::STANDARD.encode(&bytes)
    } else {
        String::from_utf8(bytes).map_err(|e| e.to_string())?
    };
    // The provider's id: the CRC-32 (IEEE) of the rendered text, in decimal.
    out.insert("id".into(), Value::from(crc32fast::hash(rendered.as_bytes()).to_string()));
    out.insert("rendered".into(), Value::from(rendered));
    for (name, default) in [("gzip", Value::Bool(true)), ("base64_encode", Value::Bool(true))] {
        out.entry(name.to_string())
            .and_modify(|v| {
                if v.is_null() {
                    *v = default.clone()
                }
            })
            .or_insert(default);
    }
    out.entry("boundary".to_string()).and_modify(|v| {
        if v.is_null() {
            *v = Value::from("MIMEBOUNDARY")
        }
    });
    Ok(Value::Map(out.into()))
}

/// One `part` block.
struct Part {
    content_type: String,
    content: String,
    filename: Option<String>,
    merge_type: Option<String>,
}

/// The parts, or `None` while any of their arguments is unknown.
fn parts(config: &Value) -> Option<Vec<Part>> {
    let blocks = match config.get("part") {
        Some(Value::List(items)) => items.clone(),
        Some(Value::Null) | None => Vec::new().into(),
        _ => return None,
    };
    blocks
        .iter()
        .map(|b| {
            let text = |name: &str| match b.get(name) {
                Some(Value::String(s)) if !s.is_empty() => Some(Some(s.clone())),
                Some(Value::String(_) | Value::Null) | None => Some(None),
                _ => None,
            };
            Some(Part {
                content_type: text("content_type")?.unwrap_or_else(|| "text/plain".into()),
                content: text("content")?.unwrap_or_default(),
                filename: text("filename")?,
                merge_type: text("merge_type")?,
            })
        })
        .collect()
}

/// Go's `multipart.Writer.SetBoundary` rule: 1 to 70 characters of RFC 2046's set, not ending
/// in a space.
fn valid_boundary(boundary: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c);
    if boundary.is_empty() || boundary.len() > 70 || !boundary.chars().all(allowed) || boundary.ends_with(' ') {
        return Err(format!("error writing part block to MIME multi-part file: mime: invalid boundary {boundary:?}"));
    }
    Ok(())
}

/// The document, laid out as the provider's Go writes it, in the pieces it writes: the two
/// header lines, then per part its boundary and headers and then its content, then the closing
/// boundary.
fn multipart(boundary: &str, parts: &[Part]) -> Vec<String> {
    let mut writes = vec![
        format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\n"),
        "MIME-Version: 1.0\r\n\r\n".to_string(),
    ];
    for (i, part) in parts.iter().enumerate() {
        let lead = if i == 0 { "" } else { "\r\n" };
        let mut out = format!("{lead}--{boundary}\r\n");
        // textproto's canonical names, sorted as Go's writer sorts them.
        let mut headers = vec![
            ("Content-Transfer-Encoding", "7bit".to_string()),
            ("Content-Type", part.content_type.clone()),
            ("Mime-Version", "1.0".to_string()),
        ];
        if let Some(name) = &part.filename {
            headers.push(("Content-Disposition", format!("attachment; filename=\"{name}\"")));
        }
        if let Some(merge) = &part.merge_type {
            headers.push(("X-Merge-Type", merge.clone()));
        }
        headers.sort();
        for (name, value) in headers {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
        out.push_str("\r\n");
        writes.push(out);
        writes.push(part.content.clone());
    }
    writes.push(format!("\r\n--{boundary}--\r\n"));
    writes
}

#[cfg(test)]
mod tests {
    use crate::eval::Fields;
    use std::collections::BTreeMap;

    use super::*;

    fn config(parts: &[&[(&str, &str)]], flags: &[(&str, Value)]) -> Value {
        let block = |p: &&[(&str, &str)]| {
            Value::Map(p.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect::<Fields>())
        };
        let mut m: BTreeMap<String, Value> = flags.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        m.insert("part".into(), Value::List(parts.iter().map(block).collect()));
        Value::Map(m.into())
    }

    fn rendered(v: &Value) -> String {
        v.get("rendered").and_then(Value::as_str).unwrap().to_string()
    }

    /// The provider's own test vectors (terraform-provider-cloudinit, TestRender).
    #[test]
    fn uncompressed_documents_are_the_providers_byte_for_byte() {
        let plain = [("gzip", Value::Bool(false)), ("base64_encode", Value::Bool(false))];
        let one = config(&[&[("content_type", "text/x-shellscript"), ("content", "baz")]], &plain);
        let head = "Content-Type: multipart/mixed; boundary=\"MIMEBOUNDARY\"\nMIME-Version: 1.0\r\n\r\n";
        let part = |body: &str| {
            format!(
                "Content-Transfer-Encoding: 7bit\r\nContent-Type: text/x-shellscript\r\nMime-Version: 1.0\r\n\r\n{body}"
            )
        };
        assert_eq!(
            rendered(&render(&one).unwrap()),
            format!("{head}--MIMEBOUNDARY\r\n{}\r\n--MIMEBOUNDARY--\r\n", part("baz"))
        );
        let named =
            config(&[&[("content_type", "text/x-shellscript"), ("content", "baz"), ("filename", "foobar.sh")]], &plain);
        let expected = format!(
            "{head}--MIMEBOUNDARY\r\nContent-Disposition: attachment; filename=\"foobar.sh\"\r\n{}\r\n--MIMEBOUNDARY--\r\n",
            part("baz")
        );
        assert_eq!(rendered(&render(&named).unwrap()), expected);
        let two = config(
            &[
                &[("content_type", "text/x-shellscript"), ("content", "baz")],
                &[("content_type", "text/x-shellscript"), ("content", "ffbaz")],
            ],
            &plain,
        );
        let expected = format!(
            "{head}--MIMEBOUNDARY\r\n{}\r\n--MIMEBOUNDARY\r\n{}\r\n--MIMEBOUNDARY--\r\n",
            part("baz"),
            part("ffbaz")
        );
        let value = render(&two).unwrap();
        assert_eq!(rendered(&value), expected);
        assert_eq!(
            value.get("id").and_then(Value::as_str),
            Some(crc32fast::hash(expected.as_bytes()).to_string().as_str())
        );
    }

    /// Gzipped documents are the provider's byte for byte: the expected values were written by
    /// Go 1.19 running the provider's `renderCloudinitConfig` (its multipart writer into
    /// `compress/gzip`, then `Close`) on the same parts.
    #[test]
    fn gzipped_documents_are_the_providers_byte_for_byte() {
        let value = render(&config(&[&[("content", "#!/bin/sh\necho hi\n")]], &[])).unwrap();
        assert_eq!(
            rendered(&value),
            "H4sIAAAAAAAA/2SNTQuCQBBA7wv7HzY7T1unwOjQh4cOFkQFHVedckBnZR1B/33UIQSPDx7vHTwLssBtaDA2dVcJNS6IranHYmMy33HhwrCN0lOa7C/383F3fUbqS/DA0JLn2KwWS620AhhLWv3bwXH7wgAJ574gfsdmnZGMhN9csBfbVI5Yq5RqnPTnM5sR27ZUmJfelDR5Amj1CQAA//8QYRoc0gAAAA=="
        );
        let script = format!("#!/bin/sh\n{}", "echo \"standby node ready\" >> /var/log/boot.log\n".repeat(40));
        let two = config(
            &[
                &[("content_type", "text/x-shellscript"), ("content", &script), ("filename", "boot.sh")],
                &[("content_type", "text/cloud-config"), ("content", "packages:\n  - nginx\n  - jq\n")],
            ],
            &[],
        );
        assert_eq!(
            rendered(&render(&two).unwrap()),
            "H4sIAAAAAAAA/+zWwUv7MBTA8Xug/0N+/Z2z6Eno2EDdDh6mIFPwmCZvbTR9ryav0v73YkEcjAnec0vgk/C9vXdLyICs9lMPleyGwL43kXXnR3BLWdOAzsRpVe7udtubh6f7zfXjSym+buoZYvKElbxcXBSiEEodo0J8/73xqafkebaG2di2A+SlPPgAaDpYlTURL1Jb/jzaR4PpAFFt0ZLz2FTyqvZ8BOZihpH1qFILISQbfc+F2PkOTuL+/9O1R51aAbYlWSY26OpJIjmQEYybSrleS/1hog7U6LkoUJN55plnnnnmmf/Gzy8Af5nlNtDglCU8+ObMKO+NfTMNpEpIqSQ2Hsf59Pp+0qBUIT4DAAD//ydVFrjjCAAA"
        );
    }

    #[test]
    fn the_defaults_gzip_and_encode_and_unknown_parts_stay_unknown() {
        let value = render(&config(&[&[("content", "#!/bin/sh\necho hi\n")]], &[])).unwrap();
        let bytes = base64::engine::general_purpose::STANDARD.decode(rendered(&value)).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&bytes[..]), &mut text).unwrap();
        assert!(
            text.contains("Content-Type: text/plain\r\n") && text.ends_with("echo hi\n\r\n--MIMEBOUNDARY--\r\n"),
            "{text}"
        );
        assert_eq!(value.get("gzip"), Some(&Value::Bool(true)));
        let mut unknown = config(&[&[("content", "x")]], &[]);
        if let Value::Map(m) = &mut unknown {
            m.insert(
                "part".into(),
                Value::List(vec![Value::Map([("content".to_string(), Value::Unknown)].into())].into()),
            );
        }
        assert_eq!(render(&unknown).unwrap().get("rendered"), Some(&Value::Unknown));
        let bad = config(&[&[("content", "x")]], &[("gzip", Value::Bool(true)), ("base64_encode", Value::Bool(false))]);
        assert!(render(&bad).unwrap_err().contains("base64_encode"));
    }
}
