variable "dr_region" {
  type    = string
  default = "us-west-2"
}

variable "primary_region" {
  type    = string
  default = "us-east-1"
}

variable "azs" {
  type    = list(string)
  default = ["us-west-2a", "us-west-2b"]
}

variable "vpc_cidr" {
  type    = string
  default = "10.30.0.0/16"
}

variable "account_suffix" {
  description = "Makes the bucket name globally unique."
  type        = string
  default     = "123456789012"
}

variable "ami_id" {
  description = "The web tier's image, copied to the DR region."
  type        = string
  default     = "ami-12c6146b"
}

variable "instance_type" {
  type    = string
  default = "t3.small"
}

variable "drplan_phase" {
  description = "Set by drplan from --phase: standby, failover or failback."
  type        = string
  default     = "standby"

  validation {
    condition     = contains(["standby", "failover", "failback"], var.drplan_phase)
    error_message = "The phase is standby, failover or failback."
  }
}

variable "standby_capacity" {
  description = "Instances kept running in normal times."
  type        = number
  default     = 1
}

variable "failover_capacity" {
  description = "The most instances the group scales to at failover."
  type        = number
  default     = 6
}

variable "db_password" {
  description = "The application's database password, kept in Secrets Manager."
  type        = string
  sensitive   = true
  default     = "warm-standby-s3cr3t-never-printed"
}
