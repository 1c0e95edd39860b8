# warm-standby: a scaled-down copy of the web tier runs in us-west-2 at all times (an Auto
# Scaling group from a launch template behind the load balancer), with what it needs around it:
# an instance role and profile, a KMS key, an encrypted versioned bucket, a secret, an alarm and
# its topic. At failover (`drplan apply --phase failover`) the group is scaled up and DNS moves
# to this load balancer; the phase is read through the root variable `drplan_phase`, so the
# files stay valid Terraform.
#
# Only the networking and the load balancer are drplan-native; everything else is planned and
# applied through terraform-provider-aws (docs/configuration.md, "Provider-served types").

terraform {
  required_version = ">= 1.5"
}

provider "aws" {
  region = var.dr_region
}

locals {
  name = "warm-${terraform.workspace == "default" ? "dr" : terraform.workspace}"
  tags = { App = "warm", Environment = "dr" }
}

# --- Network (native) -------------------------------------------------------------------------

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = local.name })
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_subnet" "public" {
  count                   = length(var.azs)
  vpc_id                  = aws_vpc.main.id
  availability_zone       = var.azs[count.index]
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, count.index)
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { Name = "${local.name}-public-${count.index}" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  tags   = local.tags
}

resource "aws_route" "internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.main.id
}

resource "aws_route_table_association" "public" {
  count          = length(var.azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "alb" {
  name        = "${local.name}-alb"
  description = "Load balancer"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

resource "aws_security_group" "web" {
  name        = "${local.name}-web"
  description = "Web tier"
  vpc_id      = aws_vpc.main.id
  tags        = local.tags
}

# Rules as separate resources (the common pattern in existing configurations): AWS cannot tag
# these, so drplan finds them by the import id their arguments imply and proves them its own
# through their security group.
resource "aws_security_group_rule" "alb_https" {
  security_group_id = aws_security_group.alb.id
  type              = "ingress"
  protocol          = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_blocks       = ["0.0.0.0/0"]
}

resource "aws_security_group_rule" "web_from_alb" {
  security_group_id        = aws_security_group.web.id
  type                     = "ingress"
  protocol                 = "tcp"
  from_port                = 8080
  to_port                  = 8080
  source_security_group_id = aws_security_group.alb.id
}

# --- Load balancer (native), and a listener rule (provider-served) -------------------------------

resource "aws_lb" "web" {
  name               = "${local.name}-web"
  load_balancer_type = "application"
  subnets            = aws_subnet.public[*].id
  security_groups    = [aws_security_group.alb.id]
  tags               = local.tags
}

resource "aws_lb_target_group" "web" {
  name     = "${local.name}-web"
  port     = 8080
  protocol = "HTTP"
  vpc_id   = aws_vpc.main.id

  health_check {
    path = "/healthz"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.web.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_listener_rule" "maintenance" {
  listener_arn = aws_lb_listener.http.arn
  priority     = 10

  condition {
    path_pattern {
      values = ["/maintenance"]
    }
  }

  action {
    type = "fixed-response"

    fixed_response {
      content_type = "text/plain"
      message_body = "The DR site is serving."
      status_code  = "200"
    }
  }
}

# --- Instance identity -----------------------------------------------------------------------------

resource "aws_iam_role" "web" {
  name = "${local.name}-web"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }]
  })
  tags = local.tags
}

# What the instances may read: the assets bucket, its key, the secret.
resource "aws_iam_policy" "web" {
  name = "${local.name}-web"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "${aws_s3_bucket.assets.arn}/*" },
      { Effect = "Allow", Action = ["kms:Decrypt"], Resource = aws_kms_key.data.arn },
      { Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = aws_secretsmanager_secret.db.arn },
    ]
  })
  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "web" {
  role       = aws_iam_role.web.name
  policy_arn = aws_iam_policy.web.arn
}

resource "aws_iam_instance_profile" "web" {
  name = "${local.name}-web"
  role = aws_iam_role.web.name
}

# --- Data at rest ----------------------------------------------------------------------------------

resource "aws_kms_key" "data" {
  description             = "${local.name} data"
  deletion_window_in_days = 7
  tags                    = local.tags
}

resource "aws_s3_bucket" "assets" {
  bucket = "${local.name}-assets-${var.account_suffix}"
  tags   = local.tags
}

resource "aws_s3_bucket_versioning" "assets" {
  bucket = aws_s3_bucket.assets.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "assets" {
  bucket = aws_s3_bucket.assets.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.data.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "assets" {
  bucket                  = aws_s3_bucket.assets.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_secretsmanager_secret" "db" {
  name                    = "${local.name}/db"
  kms_key_id              = aws_kms_key.data.arn
  recovery_window_in_days = 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "db" {
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = var.db_password
}

# --- Compute: the standby tier ---------------------------------------------------------------------

resource "aws_launch_template" "web" {
  name          = "${local.name}-web"
  image_id      = var.ami_id
  instance_type = var.instance_type
  user_data     = base64encode("#!/bin/sh\necho warm-standby > /var/www/index.html\n")

  iam_instance_profile {
    name = aws_iam_instance_profile.web.name
  }

  network_interfaces {
    associate_public_ip_address = true
    security_groups             = [aws_security_group.web.id]
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.tags, { Name = "${local.name}-web" })
  }

  tags = local.tags
}

resource "aws_autoscaling_group" "web" {
  name                = "${local.name}-web"
  min_size            = var.standby_capacity
  max_size            = var.failover_capacity
  desired_capacity    = var.drplan_phase == "standby" ? var.standby_capacity : var.failover_capacity
  vpc_zone_identifier = aws_subnet.public[*].id
  target_group_arns   = [aws_lb_target_group.web.arn]
  health_check_type   = "ELB"

  launch_template {
    id      = aws_launch_template.web.id
    version = "$Latest"
  }

  tag {
    key                 = "App"
    value               = "warm"
    propagate_at_launch = true
  }
}

# --- Alerting --------------------------------------------------------------------------------------

resource "aws_sns_topic" "alerts" {
  name              = "${local.name}-alerts"
  kms_master_key_id = aws_kms_key.data.arn
  tags              = local.tags
}

resource "aws_cloudwatch_metric_alarm" "unhealthy" {
  alarm_name          = "${local.name}-unhealthy-hosts"
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { TargetGroup = aws_lb_target_group.web.arn_suffix, LoadBalancer = aws_lb.web.arn_suffix }
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = 2
  period              = 60
  statistic           = "Maximum"
  alarm_actions       = [aws_sns_topic.alerts.arn]
  tags                = local.tags
}

output "load_balancer_dns" {
  value = aws_lb.web.dns_name
}
