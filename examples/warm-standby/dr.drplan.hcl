# drplan's own blocks: the recovery settings, the checks drills and cutovers run, and who
# to call. Terraform does not read *.drplan.hcl files, so the .tf files beside this one
# stay valid Terraform (terraform validate, tflint and the language server work on them).

recovery {
  stack          = "warm"
  region         = var.dr_region
  primary_region = var.primary_region
  rto            = "20m"
  rpo            = "15m"
}
