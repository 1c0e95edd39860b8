"""A census of what exists in a moto server, counted with boto3 (an SDK drplan does not use),
so exactly-once is checked by a second opinion: after an apply under faults, every kind of
object must number what a fault-free apply of the same configuration leaves.

Usage: census.py ENDPOINT REGION...  (prints {"region/kind": count} as JSON; a service moto
does not answer is counted as -1, so a difference shows rather than hides it)
"""

import json
import sys

import boto3


def count(calls):
    out = {}
    for kind, fn in calls:
        try:
            out[kind] = fn()
        except Exception:  # noqa: BLE001 - a service moto lacks is reported, not fatal
            out[kind] = -1
    return out


def pages(client, op, key, **kw):
    return [item for page in client.get_paginator(op).paginate(**kw) for item in page[key]]


def regional(client, region):
    c = lambda name: client(name, region)  # noqa: E731
    ec2, elb, rds = c("ec2"), c("elbv2"), c("rds")
    live = lambda xs, field, dead: len([x for x in xs if x[field] not in dead])  # noqa: E731
    return count([
        ("vpcs", lambda: len(ec2.describe_vpcs()["Vpcs"])),
        ("subnets", lambda: len(ec2.describe_subnets()["Subnets"])),
        ("internet_gateways", lambda: len(ec2.describe_internet_gateways()["InternetGateways"])),
        ("route_tables", lambda: len(ec2.describe_route_tables()["RouteTables"])),
        ("routes", lambda: sum(len(t["Routes"]) for t in ec2.describe_route_tables()["RouteTables"])),
        ("security_groups", lambda: len(ec2.describe_security_groups()["SecurityGroups"])),
        ("instances", lambda: len([
            i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]
            if i["State"]["Name"] != "terminated"])),
        ("nat_gateways", lambda: live(ec2.describe_nat_gateways()["NatGateways"], "State", ["deleted"])),
        ("elastic_ips", lambda: len(ec2.describe_addresses()["Addresses"])),
        ("network_interfaces", lambda: len(ec2.describe_network_interfaces()["NetworkInterfaces"])),
        ("launch_templates", lambda: len(ec2.describe_launch_templates()["LaunchTemplates"])),
        ("images", lambda: len(ec2.describe_images(Owners=["self"])["Images"])),
        ("load_balancers", lambda: len(elb.describe_load_balancers()["LoadBalancers"])),
        ("target_groups", lambda: len(elb.describe_target_groups()["TargetGroups"])),
        ("listeners", lambda: sum(
            len(elb.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"])
            for lb in elb.describe_load_balancers()["LoadBalancers"])),
        ("db_instances", lambda: len(rds.describe_db_instances()["DBInstances"])),
        ("db_clusters", lambda: len(rds.describe_db_clusters()["DBClusters"])),
        ("db_subnet_groups", lambda: len(rds.describe_db_subnet_groups()["DBSubnetGroups"])),
        ("db_snapshots", lambda: len(rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"])),
        ("autoscaling_groups", lambda: len(c("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"])),
        ("sns_topics", lambda: len(pages(c("sns"), "list_topics", "Topics"))),
        ("kms_keys", lambda: len([
            k for k in pages(c("kms"), "list_keys", "Keys")
            if c("kms").describe_key(KeyId=k["KeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"])),
        ("secrets", lambda: len(c("secretsmanager").list_secrets()["SecretList"])),
        ("log_groups", lambda: len(c("logs").describe_log_groups()["logGroups"])),
        ("alarms", lambda: len(c("cloudwatch").describe_alarms()["MetricAlarms"])),
    ])


def global_kinds(client):
    r53, iam = client("route53", "us-east-1"), client("iam", "us-east-1")
    zones = lambda: r53.list_hosted_zones()["HostedZones"]  # noqa: E731
    return count([
        ("hosted_zones", lambda: len(zones())),
        ("record_sets", lambda: sum(
            len(r53.list_resource_record_sets(HostedZoneId=z["Id"])["ResourceRecordSets"]) for z in zones())),
        ("health_checks", lambda: len(r53.list_health_checks()["HealthChecks"])),
        ("iam_roles", lambda: len(iam.list_roles()["Roles"])),
        ("instance_profiles", lambda: len(iam.list_instance_profiles()["InstanceProfiles"])),
        ("iam_policies", lambda: len(iam.list_policies(Scope="Local")["Policies"])),
    ])


def main():
    endpoint, regions = sys.argv[1], sys.argv[2:]
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")

    def client(name, region):
        return session.client(name, region_name=region, endpoint_url=endpoint)

    out = {}
    for region in regions:
        out.update({f"{region}/{k}": v for k, v in regional(client, region).items()})
    out.update({f"global/{k}": v for k, v in global_kinds(client).items()})
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
