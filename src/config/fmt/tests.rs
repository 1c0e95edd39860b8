use super::*;

/// Inputs and what `terraform fmt` 1.11.4 made of them (tests/fixtures/oracle/fmt).
#[test]
fn formats_as_terraform_fmt_does() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oracle/fmt");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("in") {
            continue;
        }
        let input = std::fs::read_to_string(&path).unwrap();
        let golden = std::fs::read_to_string(path.with_extension("golden")).unwrap();
        assert_eq!(format(&input), golden, "{}", path.display());
        assert_eq!(format(&golden), golden, "{}: formatting is idempotent", path.display());
        seen += 1;
    }
    assert!(seen >= 3);
}

/// Every configuration file the repository ships is as `terraform fmt` leaves it (the test in
/// tests/integration runs `terraform fmt -check` itself where Terraform is installed), so
/// formatting changes none of them.
#[test]
fn shipped_configurations_are_unchanged() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("examples"), root.join("modules")];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            if path.is_dir() {
                stack.push(path);
            } else if name.ends_with(".tf") || name.ends_with(".drplan.hcl") || name.ends_with(".tfvars") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(format(&text), text, "{}", path.display());
                seen += 1;
            }
        }
    }
    assert!(seen > 10, "{seen}");
}

#[test]
fn heredocs_and_comments_are_kept() {
    let src = "x {\nv = <<-EOT\n    keep   this\n  EOT\n// slash comment\n  y=1 /* inline */\n}\n";
    assert_eq!(format(src), "x {\n  v = <<-EOT\n    keep   this\n  EOT\n  // slash comment\n  y = 1 /* inline */\n}\n");
}
