variable "app_name" {
  type    = string
  default = "webapp"
}

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

variable "domain" {
  type    = string
  default = "example.com"
}

variable "vpc_cidr" {
  type    = string
  default = "10.20.0.0/16"
}

variable "instance_type" {
  type    = string
  default = "t3.medium"
}

variable "web_instance_count" {
  type    = number
  default = 2
}

variable "db_instance_class" {
  type    = string
  default = "db.r6g.large"
}

variable "primary_db_identifier" {
  type    = string
  default = "webapp-db"
}

variable "replicated_backups_arn" {
  description = "ARN of the primary database's automated backups, replicated into the DR region."
  type        = string
  default     = "arn:aws:rds:us-west-2:123456789012:auto-backup:ab-webappdb0123456789abcdef"
}

variable "pitr_source_db_identifier" {
  description = "Restore from this instance in the DR region instead of the replicated backups (same-region restores, and emulators that cannot restore across regions)."
  type        = string
  default     = null
}

variable "smoke_test_url" {
  description = "URL the site check probes; by default the DR load balancer's health endpoint."
  type        = string
  default     = null
}

variable "db_check_secret" {
  description = "Secrets Manager secret (replicated to the DR region) with the read-only user the data check logs in as: JSON with username and password."
  type        = string
  default     = "webapp/db-readonly"
}
