# drplan's own blocks: the recovery settings, the checks drills and cutovers run, and who
# to call. Terraform does not read *.drplan.hcl files, so the .tf files beside this one
# stay valid Terraform (terraform validate, tflint and the language server work on them).

recovery {
  stack          = "ledger"
  region         = var.dr_region
  primary_region = "us-east-2"
  rto            = "2h"
  rpo            = "24h"
}

check "web" {
  http {
    url             = "http://${module.web.lb_dns_name}/"
    expected_status = 200
    timeout         = "15m"
  }
}

# The restored ledger holds the day's entries: at least one journal entry, the newest no older
# than the RPO allows before the failure was declared (drplan drill reports the measured RPO).
check "ledger_data" {
  sql {
    engine   = "postgres"
    host     = module.database.address
    port     = 5432
    database = "ledger"
    username = "ledger_readonly"
    password = var.db_password # sensitive; -var or TF_VAR_db_password
    query    = "select created_at from journal_entries order by created_at desc limit 1000"
    min_rows = 1
    max_age  = "24h"
    timeout  = "10m"
  }
}

contacts {
  owner = "ledger-team@example.com"
}
