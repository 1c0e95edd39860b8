output "app_url" {
  description = "The failover record users reach."
  value       = "https://${module.dns.fqdn}"
}

output "dr_load_balancer" {
  value = module.web.lb_dns_name
}

output "database_endpoint" {
  value = module.database.endpoint
}

output "primary_database_engine" {
  description = "Engine of the primary database, read from the primary region."
  value       = data.aws_db_instance.primary.engine
}

output "dr_available_azs" {
  description = "Availability zones AWS reports in the DR region, to compare with var.azs."
  value       = data.aws_availability_zones.dr.names
}
