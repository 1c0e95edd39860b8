# The DR side of a Route 53 failover pair: a health check on the DR endpoint and the
# SECONDARY failover alias record that takes traffic when the primary's health check fails.

variable "zone_id" {
  type = string
}

variable "record_name" {
  type = string
}

variable "set_identifier" {
  type    = string
  default = "dr"
}

variable "target_dns_name" {
  type        = string
  description = "DNS name of the DR load balancer."
}

variable "target_zone_id" {
  type        = string
  description = "Hosted zone id of the DR load balancer."
}

variable "health_check_path" {
  type    = string
  default = "/healthz"
}

variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_route53_health_check" "dr" {
  type              = "HTTPS"
  fqdn              = var.target_dns_name
  port              = 443
  resource_path     = var.health_check_path
  failure_threshold = 3
  request_interval  = 30
  tags              = merge(var.tags, { Name = "${var.record_name}-dr" })
}

resource "aws_route53_record" "secondary" {
  zone_id         = var.zone_id
  name            = var.record_name
  type            = "A"
  set_identifier  = var.set_identifier
  health_check_id = aws_route53_health_check.dr.id

  failover_routing_policy {
    type = "SECONDARY"
  }

  alias {
    name                   = var.target_dns_name
    zone_id                = var.target_zone_id
    evaluate_target_health = true
  }
}

output "fqdn" {
  value = aws_route53_record.secondary.fqdn
}

output "health_check_id" {
  value = aws_route53_health_check.dr.id
}
