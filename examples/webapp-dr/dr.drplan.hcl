# drplan's own blocks: the recovery settings, the checks drills and cutovers run, and who
# to call. Terraform does not read *.drplan.hcl files, so the .tf files beside this one
# stay valid Terraform (terraform validate, tflint and the language server work on them).

recovery {
  stack          = "webapp"
  region         = var.dr_region
  primary_region = var.primary_region
  rto            = "45m"
  rpo            = "15m"
}

# Smoke tests after recovery (drplan drill runs them; the runbook lists them).
check "site" {
  http {
    url             = coalesce(var.smoke_test_url, "http://${module.web.lb_dns_name}/healthz")
    expected_status = 200
    timeout         = "10m"
    interval        = "10s"
  }
}

# The restored database holds recent orders: the newest one at most 15 minutes older than the
# moment the failure was declared (the RPO), measured and reported by drplan drill.
check "orders_data" {
  sql {
    engine    = "postgres"
    host      = module.database.address
    port      = 5432
    database  = "webapp"
    secret_id = var.db_check_secret
    query     = "select max(updated_at) from orders"
    max_age   = "15m"
    timeout   = "5m"
  }
}

contacts {
  incident_commander = "SRE on-call, PagerDuty service webapp-primary"
  database_owner     = "dba-team@example.com"
  aws_support        = "Enterprise Support case, severity: production system down"
}
