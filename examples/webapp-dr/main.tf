# webapp-dr: a two-AZ web application rebuilt in us-west-2 when us-east-1 fails.
# The database is recovered by point-in-time restore from the primary's automated backups,
# replicated to the DR region; DNS fails over to the DR load balancer.

terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.dr_region
}

provider "aws" {
  alias  = "primary"
  region = var.primary_region
}

data "aws_availability_zones" "dr" {
  state = "available"
}

data "aws_db_instance" "primary" {
  provider               = aws.primary
  db_instance_identifier = var.primary_db_identifier
}

data "aws_ami" "web" {
  owners      = ["self"]
  most_recent = true
  name_regex  = "^webapp-"

  filter {
    name   = "tag:Role"
    values = ["web"]
  }
}

data "aws_route53_zone" "public" {
  name = var.domain
}

locals {
  # AZs come from a variable, not the data source, so plans stay byte-identical run to run.
  azs  = var.azs
  name = "${var.app_name}-${terraform.workspace == "default" ? "dr" : terraform.workspace}"
  tags = {
    App         = var.app_name
    Environment = "dr"
    ManagedBy   = "drplan"
  }
}

module "network" {
  source = "../../modules/vpc"

  name         = local.name
  cidr_block   = var.vpc_cidr
  azs          = local.azs
  nat_gateways = true
  tags         = local.tags
}

module "web" {
  source = "../../modules/web-tier"

  name                = local.name
  vpc_id              = module.network.vpc_id
  public_subnet_ids   = module.network.public_subnet_ids
  instance_subnet_ids = module.network.private_subnet_ids
  ami_id              = data.aws_ami.web.id
  instance_type       = var.instance_type
  instance_count      = var.web_instance_count
  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    db_endpoint = module.database.endpoint
    region      = var.dr_region
  })
  tags = local.tags
}

resource "aws_security_group" "db" {
  name        = "${local.name}-db"
  description = "Database access from the web tier"
  vpc_id      = module.network.vpc_id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
    description = "PostgreSQL from inside the VPC"
  }

  tags = local.tags
}

module "database" {
  source = "../../modules/rds-recovery"

  identifier         = "${local.name}-db"
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [aws_security_group.db.id]
  instance_class     = var.db_instance_class
  recovery_source = {
    type                          = "point_in_time"
    automated_backups_arn         = var.replicated_backups_arn
    source_db_instance_identifier = var.pitr_source_db_identifier
  }
  tags = local.tags
}

module "dns" {
  source = "../../modules/dns-failover"

  zone_id         = data.aws_route53_zone.public.zone_id
  record_name     = "app.${var.domain}"
  target_dns_name = module.web.lb_dns_name
  target_zone_id  = module.web.lb_zone_id
  tags            = local.tags
}

