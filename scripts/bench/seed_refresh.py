"""Seeds moto with N owned objects in the shape of the examples, for the refresh benchmark.

Each "cell" is one small web stack: a VPC with 4 subnets, an internet gateway, 2 Elastic
IPs, 3 route tables with 4 associations, 3 security groups and 2 rules, 2 instances, a load
balancer with a listener, a target group with 2 registered targets, a DB subnet group, a
database, a health check and a failover record: 32 objects, all tagged for stack "bench".
"""
import sys
import boto3

endpoint, cells = sys.argv[1], int(sys.argv[2])
kw = dict(endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x", region_name="us-west-2")
ec2, elb, rds = boto3.client("ec2", **kw), boto3.client("elbv2", **kw), boto3.client("rds", **kw)
r53 = boto3.client("route53", **kw)
zone = r53.create_hosted_zone(Name="bench.example.com", CallerReference="bench")["HostedZone"]["Id"]
ami = ec2.register_image(Name="bench-ami", RootDeviceName="/dev/xvda",
                         BlockDeviceMappings=[{"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 8}}])["ImageId"]
count = 0


def tags(rtype, addr):
    global count
    count += 1
    return [{"ResourceType": rtype, "Tags": [{"Key": "drplan:stack", "Value": "bench"}, {"Key": "drplan:address", "Value": addr}]}]


def tag_list(addr):
    global count
    count += 1
    return [{"Key": "drplan:stack", "Value": "bench"}, {"Key": "drplan:address", "Value": addr}]


for c in range(cells):
    p = f"module.cell[{c}]"
    vpc = ec2.create_vpc(CidrBlock=f"10.{c}.0.0/16", TagSpecifications=tags("vpc", f"{p}.aws_vpc.this"))["Vpc"]["VpcId"]
    subnets = []
    for i, az in enumerate(["us-west-2a", "us-west-2b", "us-west-2a", "us-west-2b"]):
        subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{c}.{i}.0/24", AvailabilityZone=az,
                                         TagSpecifications=tags("subnet", f"{p}.aws_subnet.s[{i}]"))["Subnet"]["SubnetId"])
    igw = ec2.create_internet_gateway(TagSpecifications=tags("internet-gateway", f"{p}.aws_internet_gateway.this"))["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    for i in range(2):
        ec2.allocate_address(Domain="vpc", TagSpecifications=tags("elastic-ip", f"{p}.aws_eip.e[{i}]"))
    for i in range(3):
        rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=tags("route-table", f"{p}.aws_route_table.r[{i}]"))["RouteTable"]["RouteTableId"]
        if i < 2:
            for s in subnets[i * 2:i * 2 + 2]:
                ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
                count += 1
    sgs = []
    for i in range(3):
        sgs.append(ec2.create_security_group(GroupName=f"sg-{c}-{i}", Description="bench", VpcId=vpc,
                                             TagSpecifications=tags("security-group", f"{p}.aws_security_group.g[{i}]"))["GroupId"])
    for i in range(2):
        ec2.authorize_security_group_ingress(GroupId=sgs[0], IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80 + i, "ToPort": 80 + i, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
                                             TagSpecifications=tags("security-group-rule", f"{p}.aws_vpc_security_group_ingress_rule.r[{i}]"))
    inst = ec2.run_instances(ImageId=ami, MinCount=2, MaxCount=2, InstanceType="t3.micro", SubnetId=subnets[0],
                             TagSpecifications=tags("instance", f"{p}.aws_instance.web"))["Instances"]
    count += 1
    tg = elb.create_target_group(Name=f"tg-{c}", Protocol="HTTP", Port=80, VpcId=vpc, Tags=tag_list(f"{p}.aws_lb_target_group.web"))["TargetGroups"][0]["TargetGroupArn"]
    lb = elb.create_load_balancer(Name=f"lb-{c}", Subnets=subnets[:2], SecurityGroups=[sgs[1]], Tags=tag_list(f"{p}.aws_lb.this"))["LoadBalancers"][0]["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Port=80, Protocol="HTTP", DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": i["InstanceId"], "Port": 80} for i in inst])
    count += 3
    rds.create_db_subnet_group(DBSubnetGroupName=f"dbsg-{c}", DBSubnetGroupDescription="bench", SubnetIds=subnets[2:], Tags=tag_list(f"{p}.aws_db_subnet_group.this"))
    rds.create_db_instance(DBInstanceIdentifier=f"db-{c}", Engine="postgres", DBInstanceClass="db.t3.micro", MasterUsername="u",
                           MasterUserPassword="password1", AllocatedStorage=20, DBSubnetGroupName=f"dbsg-{c}", Tags=tag_list(f"{p}.aws_db_instance.this"))
    hc = r53.create_health_check(CallerReference=f"hc-{c}", HealthCheckConfig={"Type": "HTTPS", "FullyQualifiedDomainName": f"lb-{c}.example.com", "Port": 443, "ResourcePath": "/"})["HealthCheck"]["Id"]
    r53.change_tags_for_resource(ResourceType="healthcheck", ResourceId=hc, AddTags=tag_list(f"{p}.aws_route53_health_check.this"))
    r53.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
        "Name": f"app{c}.bench.example.com", "Type": "A", "SetIdentifier": f"dr-{c}", "Failover": "SECONDARY", "HealthCheckId": hc,
        "AliasTarget": {"HostedZoneId": "Z2P70J7EXAMPLE", "DNSName": f"lb-{c}.example.com", "EvaluateTargetHealth": True}}}]})
    count += 1
print(count)
