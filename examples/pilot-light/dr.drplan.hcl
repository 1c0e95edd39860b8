# drplan's own blocks: the recovery settings, the checks drills and cutovers run, and who
# to call. Terraform does not read *.drplan.hcl files, so the .tf files beside this one
# stay valid Terraform (terraform validate, tflint and the language server work on them).

recovery {
  stack          = "pilot"
  region         = "eu-west-1"
  primary_region = "eu-central-1"
  rto            = "20m"
  rpo            = "5m"
  # Observed replication lag is not in the live state; this declared figure is the replica's RPO.
  replica_lag = "30s"
  # Built in the primary region in the failback phase only (a write there, marked in the plan).
  failback = ["aws_db_instance.home"]
}

check "site" {
  http {
    url             = coalesce(var.smoke_test_url, "https://${var.domain}/")
    expected_status = 200
    body_contains   = "shop"
    timeout         = var.smoke_test_timeout
    interval        = "15s"
  }
}

check "dns" {
  dns {
    name    = coalesce(var.smoke_test_dns_name, var.domain)
    type    = "A"
    timeout = var.smoke_test_timeout
  }
}

contacts {
  incident_commander = "shop-oncall@example.org"
  escalation         = "Head of Platform, +44 20 7946 0000"
}
