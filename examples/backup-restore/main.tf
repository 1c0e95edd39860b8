# backup-restore: nothing runs in the DR region until a disaster. drplan copies the latest
# primary database snapshot and the web AMI into the DR region, restores the database from the
# copy, and launches instances from the copied image.

provider "aws" {
  region = var.dr_region
}

provider "aws" {
  alias  = "primary"
  region = "us-east-2"
}

variable "dr_region" {
  type    = string
  default = "us-west-1"
}

variable "azs" {
  type    = list(string)
  default = ["us-west-1a", "us-west-1c"]
}

variable "web_instance_count" {
  type    = number
  default = 2
}

variable "db_password" {
  type      = string
  sensitive = true
  default   = null
}

data "aws_db_snapshot" "latest" {
  provider               = aws.primary
  db_instance_identifier = "ledger-db"
  most_recent            = true
}

data "aws_ami" "primary_web" {
  provider    = aws.primary
  owners      = ["self"]
  most_recent = true
  name_regex  = "^ledger-web-"
}

locals {
  tags = { App = "ledger", Pattern = "backup-restore" }
}

resource "aws_db_snapshot_copy" "ledger" {
  source_db_snapshot_identifier = data.aws_db_snapshot.latest.db_snapshot_arn
  target_db_snapshot_identifier = "ledger-dr-${replace(data.aws_db_snapshot.latest.id, ":", "-")}"
  copy_tags                     = true
  tags                          = local.tags
}

resource "aws_ami_copy" "web" {
  name              = "ledger-web-dr"
  description       = "Copy of ${data.aws_ami.primary_web.name} for DR"
  source_ami_id     = data.aws_ami.primary_web.id
  source_ami_region = "us-east-2"
  encrypted         = true
  tags              = local.tags
}

module "network" {
  source = "../../modules/vpc"

  name         = "ledger-dr"
  cidr_block   = "10.60.0.0/16"
  azs          = var.azs
  nat_gateways = true
  tags         = local.tags
}

module "database" {
  source = "../../modules/rds-recovery"

  identifier     = "ledger-db-dr"
  subnet_ids     = module.network.private_subnet_ids
  instance_class = "db.m6g.large"
  recovery_source = {
    type                = "snapshot"
    snapshot_identifier = aws_db_snapshot_copy.ledger.db_snapshot_arn
  }
  tags = local.tags
}

module "web" {
  source = "../../modules/web-tier"

  name                = "ledger-dr"
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  instance_subnet_ids = module.network.private_subnet_ids
  ami_id              = aws_ami_copy.web.id
  instance_count      = var.web_instance_count
  tags                = local.tags
}

output "database_endpoint" {
  value = module.database.endpoint
}

output "load_balancer" {
  value = module.web.lb_dns_name
}

