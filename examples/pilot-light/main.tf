# pilot-light: in standby the DR region runs only the database, as a cross-region read replica
# of the primary, beside an idle load balancer with no web instances. The failover phase
# (`drplan apply --phase failover`) promotes the replica and starts the web tier; traffic moves
# (the Route 53 record) only once that is built and the checks pass. The failback phase
# (`--phase failback`, once the primary region is back) builds a read replica of the DR
# database in the primary region, the way home.

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "primary"
  region = "eu-central-1"
}

variable "drplan_phase" {
  description = "Set by drplan from --phase: standby, failover or failback (docs/recovery.md)."
  type        = string
  default     = "standby"

  validation {
    condition     = contains(["standby", "failover", "failback"], var.drplan_phase)
    error_message = "The phase is standby, failover or failback."
  }
}

variable "web_instance_count" {
  description = "Web instances after a failover (standby runs none)."
  type        = number
  default     = 2
}

variable "domain" {
  type    = string
  default = "shop.example.org"
}

# The primary's database, read only while replicating from it: a failover must not need the
# region that failed (`drplan readiness` checks that).
data "aws_db_instance" "primary" {
  provider               = aws.primary
  count                  = var.drplan_phase == "standby" ? 1 : 0
  db_instance_identifier = "shop-db"
}

variable "db_instance_class" {
  description = "The DR database's class (the primary's, kept here so a failover does not read it)."
  type        = string
  default     = "db.m6g.large"
}

data "aws_ami" "web" {
  owners      = ["self"]
  most_recent = true

  filter {
    name   = "tag:Role"
    values = ["shop-web"]
  }
}

data "aws_route53_zone" "public" {
  name = var.domain
}

locals {
  tags = { App = "shop", Pattern = "pilot-light" }
}

module "network" {
  source = "../../modules/vpc"

  name         = "shop-dr"
  cidr_block   = "10.40.0.0/16"
  azs          = ["eu-west-1a", "eu-west-1b"]
  nat_gateways = false
  tags         = local.tags
}

module "database" {
  source = "../../modules/rds-recovery"

  identifier     = "shop-db-dr"
  subnet_ids     = module.network.private_subnet_ids
  instance_class = var.db_instance_class
  multi_az       = false
  recovery_source = {
    type                   = "replica"
    source_db_instance_arn = one(data.aws_db_instance.primary[*].db_instance_arn)
  }
  promoted = var.drplan_phase != "standby"
  tags     = local.tags
}

module "web" {
  source = "../../modules/web-tier"

  name                = "shop-dr"
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  instance_subnet_ids = module.network.public_subnet_ids
  ami_id              = data.aws_ami.web.id
  instance_count      = var.drplan_phase == "standby" ? 0 : var.web_instance_count
  app_port            = 80
  health_check_path   = "/"
  user_data           = <<-EOT
    #!/bin/bash
    echo "DB_HOST=${module.database.address}" >> /etc/shop.env
  EOT
  tags                = local.tags
}

module "dns" {
  source = "../../modules/dns-failover"

  zone_id         = data.aws_route53_zone.public.zone_id
  record_name     = var.domain
  set_identifier  = "eu-west-1"
  target_dns_name = module.web.lb_dns_name
  target_zone_id  = module.web.lb_zone_id
  tags            = local.tags
}

# The way home: a replica of the DR database in the primary region, in the failback phase only.
# Promote it there (or let Terraform take it over) once it has caught up; drplan never deletes
# what it built in the primary.
resource "aws_db_instance" "home" {
  provider            = aws.primary
  count               = var.drplan_phase == "failback" ? 1 : 0
  identifier          = "shop-db-home"
  instance_class      = "db.t3.medium"
  replicate_source_db = module.database.arn
  skip_final_snapshot = true
  tags                = local.tags
}

output "database_endpoint" {
  value = module.database.endpoint
}

output "site" {
  value = "https://${module.dns.fqdn}"
}

variable "smoke_test_url" {
  description = "URL the site check probes (default: the public site)."
  type        = string
  default     = null
}

variable "smoke_test_dns_name" {
  description = "Name the DNS check resolves (default: the public domain)."
  type        = string
  default     = null
}

variable "smoke_test_timeout" {
  description = "How long each check may take to pass."
  type        = string
  default     = "10m"
}

