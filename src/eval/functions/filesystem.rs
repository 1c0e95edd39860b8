//! Path and directory functions: abspath, basename, dirname, pathexpand and fileset, with Go's
//! `path/filepath` semantics as Terraform has them. Relative paths are relative to the
//! working directory, as in Terraform (configurations write `"${path.module}/..."`).

use std::path::Path;

use super::string_arg;
use crate::eval::value::Value;

/// Go's `filepath.Clean`, on `/`-separated text.
fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

pub(super) fn abspath(a: &[Value]) -> Result<Value, String> {
    let p = string_arg(&a[0], "the path")?;
    let full = if p.starts_with('/') {
        p
    } else {
        let cwd = std::env::current_dir().map_err(|e| format!("cannot find the working directory: {e}"))?;
        format!("{}/{p}", cwd.display())
    };
    Ok(clean(&full).into())
}

pub(super) fn dirname(a: &[Value]) -> Result<Value, String> {
    let p = string_arg(&a[0], "the path")?;
    let dir = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    Ok(clean(dir).into())
}

pub(super) fn basename(a: &[Value]) -> Result<Value, String> {
    let p = string_arg(&a[0], "the path")?;
    if p.is_empty() {
        return Ok(".".into());
    }
    let trimmed = p.trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok("/".into());
    }
    Ok(trimmed.rsplit('/').next().unwrap_or(trimmed).into())
}

pub(super) fn pathexpand(a: &[Value]) -> Result<Value, String> {
    let p = string_arg(&a[0], "the path")?;
    if p != "~" && !p.starts_with("~/") {
        return Ok(p.into());
    }
    let home = std::env::var("HOME").map_err(|_| "cannot expand ~: HOME is not set".to_string())?;
    Ok(format!("{home}{}", &p[1..]).into())
}

/// Most files a fileset walk visits: a bound, so `fileset("/", "**")` is an error, not a hang.
const MAX_FILES: usize = 100_000;

pub(super) fn fileset(a: &[Value]) -> Result<Value, String> {
    let base = string_arg(&a[0], "the path")?;
    let pattern = string_arg(&a[1], "the pattern")?;
    let glob = globset::GlobBuilder::new(&pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map_err(|e| format!("invalid pattern {pattern:?}: {e}"))?
        .compile_matcher();
    let mut out = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(&base)];
    let mut seen = 0usize;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_FILES {
                return Err(format!("{base:?} holds more than {MAX_FILES} entries"));
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(path);
            } else if path.is_file() {
                let rel = path.strip_prefix(Path::new(&base)).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                if glob.is_match(&rel) {
                    out.push(Value::from(rel));
                }
            }
        }
    }
    Ok(Value::set(out))
}

#[cfg(test)]
mod tests {
    use crate::eval::functions::test_call as call;
    use crate::eval::value::Value;

    fn s(v: &str) -> Value {
        Value::from(v)
    }

    #[test]
    fn paths_follow_go() {
        for (input, dir, base) in [
            ("foo/bar/baz.txt", "foo/bar", "baz.txt"),
            ("baz.txt", ".", "baz.txt"),
            ("/etc/hosts", "/etc", "hosts"),
            ("foo/bar/", "foo/bar", "bar"),
            ("/", "/", "/"),
            ("", ".", "."),
        ] {
            assert_eq!(call("dirname", vec![s(input)]).unwrap(), s(dir), "dirname({input:?})");
            assert_eq!(call("basename", vec![s(input)]).unwrap(), s(base), "basename({input:?})");
        }
        assert_eq!(call("abspath", vec![s("/a/b/../c/./d")]).unwrap(), s("/a/c/d"));
        assert_eq!(call("pathexpand", vec![s("/x/~")]).unwrap(), s("/x/~"));
    }

    #[test]
    fn fileset_matches_globs_below_a_directory() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("files/sub")).unwrap();
        for f in ["files/a.txt", "files/b.json", "files/sub/c.txt"] {
            std::fs::write(tmp.path().join(f), "x").unwrap();
        }
        let base = tmp.path().join("files").display().to_string();
        let top = call("fileset", vec![s(&base), s("*.txt")]).unwrap();
        assert_eq!(top, Value::set(vec![s("a.txt")]));
        let all = call("fileset", vec![s(&base), s("**/*.txt")]).unwrap();
        assert_eq!(all, Value::set(vec![s("a.txt"), s("sub/c.txt")]));
        let alt = call("fileset", vec![s(&base), s("{a,b}.*")]).unwrap();
        assert_eq!(alt, Value::set(vec![s("a.txt"), s("b.json")]));
    }
}
