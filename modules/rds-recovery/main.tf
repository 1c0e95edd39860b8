# A database in the DR region, recovered from the primary by one of three paths:
#   point_in_time  restore_to_point_in_time from the source instance (or its replicated backups)
#   snapshot       restore from a snapshot already present in the DR region
#   replica        a cross-region read replica, promoted during recovery

variable "identifier" {
  type = string
}

variable "subnet_ids" {
  type = list(string)
}

variable "security_group_ids" {
  type    = list(string)
  default = []
}

variable "instance_class" {
  type    = string
  default = "db.t3.medium"
}

variable "recovery_source" {
  description = "How the database is recovered."
  type = object({
    type                          = string
    source_db_instance_arn        = optional(string)
    automated_backups_arn         = optional(string)
    source_db_instance_identifier = optional(string)
    restore_time                  = optional(string)
    snapshot_identifier           = optional(string)
  })

  validation {
    condition     = contains(["point_in_time", "snapshot", "replica"], var.recovery_source.type)
    error_message = "recovery_source.type must be point_in_time, snapshot or replica."
  }
}

variable "promoted" {
  description = "Whether a replica stops replicating and becomes standalone: the failover (set it to drplan.phase != \"standby\")."
  type        = bool
  default     = false
}

variable "multi_az" {
  type    = bool
  default = true
}

variable "deletion_protection" {
  type    = bool
  default = false
}

variable "tags" {
  type    = map(string)
  default = {}
}

locals {
  pitr     = var.recovery_source.type == "point_in_time"
  snapshot = var.recovery_source.type == "snapshot"
  replica  = var.recovery_source.type == "replica"
}

resource "aws_db_subnet_group" "this" {
  name        = "${var.identifier}-subnets"
  description = "DR subnets for ${var.identifier}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_db_instance" "this" {
  identifier             = var.identifier
  instance_class         = var.instance_class
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = var.security_group_ids
  multi_az               = var.multi_az
  deletion_protection    = var.deletion_protection
  skip_final_snapshot    = true
  apply_immediately      = true

  snapshot_identifier = local.snapshot ? var.recovery_source.snapshot_identifier : null
  replicate_source_db = local.replica && !var.promoted ? var.recovery_source.source_db_instance_arn : null

  dynamic "restore_to_point_in_time" {
    for_each = local.pitr ? [var.recovery_source] : []
    content {
      source_db_instance_identifier            = restore_to_point_in_time.value.source_db_instance_identifier
      source_db_instance_automated_backups_arn = restore_to_point_in_time.value.source_db_instance_identifier == null ? restore_to_point_in_time.value.automated_backups_arn : null
      restore_time                             = restore_to_point_in_time.value.restore_time
      use_latest_restorable_time               = restore_to_point_in_time.value.restore_time == null ? true : null
    }
  }

  tags = merge(var.tags, { Name = var.identifier })
}

output "endpoint" {
  value = aws_db_instance.this.endpoint
}

output "address" {
  value = aws_db_instance.this.address
}

output "arn" {
  value = aws_db_instance.this.arn
}
