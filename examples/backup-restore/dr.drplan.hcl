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

check "database" {
  tcp {
    host = module.database.address
    port = 5432
  }
}

contacts {
  owner = "ledger-team@example.com"
}
