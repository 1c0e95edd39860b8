//! `drplan graph`: deterministic DOT and Mermaid for every example.

use crate::harness::{drplan, name_of, settings};

#[test]
fn example_graphs() {
    example_graphs_for(crate::harness::plain_examples());
}

#[cfg_attr(
    drplan_no_provider,
    ignore = "needs terraform-provider-aws (DRPLAN_TEST_PROVIDER_MIRROR or /opt/tf-plugins)"
)]
#[test]
fn provider_example_graphs() {
    example_graphs_for(crate::harness::provider_examples());
}

fn example_graphs_for(examples: Vec<(String, crate::harness::Runner)>) {
    for (dir, runner) in examples {
        for format in ["dot", "mermaid"] {
            let args = ["graph", dir.as_str(), "--format", format];
            let run = runner.drplan(&args);
            assert_eq!(run.code, 0, "{}", run.transcript(&args));
            let again = runner.drplan(&args);
            assert_eq!(run.stdout, again.stdout, "graph output must be byte-identical run to run");
            settings().bind(|| insta::assert_snapshot!(format!("graph-{}-{format}", name_of(&dir)), run.stdout));
        }
    }
}

#[test]
fn a_cycle_names_every_address_with_its_location() {
    let run = drplan(&["graph", "tests/fixtures/bad/cycle-between-resources"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("aws_security_group.a (tests/fixtures/bad/cycle-between-resources/main.tf:1)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("aws_security_group.b (tests/fixtures/bad/cycle-between-resources/main.tf:6)"),
        "{}",
        run.stderr
    );
}
