# Policies for DR plans, in OPA 1.x syntax. They read `resource_changes` as Terraform's
# `show -json` writes it, so the same file checks `drplan plan --format json` and Terraform's
# plans; unchanged resources are there too (actions ["no-op"]), so "every database is encrypted"
# checks every database, not only those that change. drplan's test suite evaluates this file
# (tests/integration/policy.rs). Run it yourself with:
#   opa eval -d docs/policies/drplan.rego -i plan.json 'data.drplan.plan.deny'
package drplan.plan

import rego.v1

# What exists after apply: everything but what is deleted.
kept contains rc if {
	some rc in input.resource_changes
	rc.mode == "managed"
	not "delete" in rc.change.actions
}

deny contains msg if {
	some rc in input.resource_changes
	rc.type == "aws_db_instance"
	"delete" in rc.change.actions
	msg := sprintf("%s would be deleted", [rc.address])
}

deny contains msg if {
	some rc in kept
	rc.type == "aws_db_instance"
	rc.change.after.storage_encrypted == false
	msg := sprintf("%s: storage is not encrypted", [rc.address])
}

deny contains msg if {
	some rc in kept
	rc.type == "aws_instance"
	not imdsv2_required(rc.change.after)
	msg := sprintf("%s: IMDSv2 is not required", [rc.address])
}

imdsv2_required(after) if {
	some options in after.metadata_options
	options.http_tokens == "required"
}

deny contains msg if {
	some rc in kept
	rc.type == "aws_security_group"
	some rule in rc.change.after.ingress
	rule.from_port <= 22
	rule.to_port >= 22
	"0.0.0.0/0" in rule.cidr_blocks
	msg := sprintf("%s: port 22 is open to the world", [rc.address])
}

deny contains msg if {
	some rc in kept
	rc.type == "aws_db_instance"
	rc.change.after.deletion_protection == false
	msg := sprintf("%s: deletion protection is off", [rc.address])
}
