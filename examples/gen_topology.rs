//! Writes a synthetic DR configuration of about N resources for benchmarks.
//!
//! `cargo run --release --example gen_topology -- --resources 10000 --out /tmp/topo-10k`
//!
//! It also writes `live.json`, a matching live snapshot: 70% of the cells exist (tagged as
//! owned, with the attributes the configuration sets), every tenth existing cell has drifted
//! (an instance type changed by hand), and the rest are missing, so a plan creates, updates and
//! leaves alone in realistic proportions.
//!
//! The root module calls a local `cell` module once per cell (VPC, subnets, route table,
//! security group and rule, instances with `count`, load balancer, target group, listener and
//! attachments: 20 resources) and adds a health check and failover record per cell (2 more),
//! all wired with real references, so loading, evaluation and the graph do realistic work.

use std::fmt::Write as _;
use std::path::PathBuf;

const PER_CELL: usize = 22;
const CELLS_PER_FILE: usize = 100;

const CELL_MODULE: &str = r#"variable "name" { type = string }
variable "cidr" { type = string }
variable "azs" { type = list(string) }
variable "instance_count" {
  type    = number
  default = 4
}
variable "tags" {
  type    = map(string)
  default = {}
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_hostnames = true
  tags                 = merge(var.tags, { Name = var.name })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = var.tags
}

resource "aws_subnet" "public" {
  count                   = length(var.azs)
  vpc_id                  = aws_vpc.this.id
  availability_zone       = var.azs[count.index]
  cidr_block              = cidrsubnet(var.cidr, 4, count.index)
  map_public_ip_on_launch = true
  tags                    = merge(var.tags, { Name = "${var.name}-public-${count.index}" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }
}

resource "aws_route_table_association" "public" {
  count          = length(var.azs)
  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "web" {
  name   = "${var.name}-web"
  vpc_id = aws_vpc.this.id
  tags   = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  security_group_id = aws_security_group.web.id
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_instance" "web" {
  count                  = var.instance_count
  ami                    = "ami-0123456789abcdef0"
  instance_type          = "t3.small"
  subnet_id              = element(aws_subnet.public[*].id, count.index)
  vpc_security_group_ids = [aws_security_group.web.id]
  user_data              = templatefile("${path.module}/user_data.tftpl", { name = var.name, index = count.index })
  tags                   = merge(var.tags, { Name = format("%s-web-%02d", var.name, count.index) })
}

resource "aws_lb" "this" {
  name            = "${var.name}-alb"
  subnets         = aws_subnet.public[*].id
  security_groups = [aws_security_group.web.id]
}

resource "aws_lb_target_group" "web" {
  name     = "${var.name}-web"
  port     = 80
  protocol = "HTTP"
  vpc_id   = aws_vpc.this.id
  health_check {
    path = "/healthz"
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.web.arn
  }
}

resource "aws_lb_target_group_attachment" "web" {
  count            = var.instance_count
  target_group_arn = aws_lb_target_group.web.arn
  target_id        = aws_instance.web[count.index].id
  port             = 80
}

output "lb_dns_name" { value = aws_lb.this.dns_name }
output "lb_zone_id" { value = aws_lb.this.zone_id }
"#;

fn main() {
    let mut resources = 1000usize;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--resources" => resources = args.next().and_then(|v| v.parse().ok()).unwrap_or_else(|| usage()),
            "--out" => out = args.next().map(PathBuf::from),
            _ => usage(),
        }
    }
    let out = out.unwrap_or_else(|| usage());
    let cells = resources.div_ceil(PER_CELL).max(1);
    std::fs::create_dir_all(out.join("modules/cell")).expect("create output directory");
    std::fs::write(out.join("modules/cell/main.tf"), CELL_MODULE).expect("write module");
    std::fs::write(out.join("modules/cell/user_data.tftpl"), "#!/bin/bash\necho ${name}-${index} > /etc/cell\n")
        .expect("write template");
    std::fs::write(
        out.join("main.tf"),
        "recovery {\n  stack          = \"bench\"\n  region         = \"us-west-2\"\n  primary_region = \"us-east-1\"\n  rto            = \"1h\"\n  rpo            = \"15m\"\n}\n\nprovider \"aws\" {\n  region = \"us-west-2\"\n}\n\nvariable \"azs\" {\n  type    = list(string)\n  default = [\"us-west-2a\", \"us-west-2b\"]\n}\n\ndata \"aws_route53_zone\" \"main\" {\n  name = \"bench.example.com\"\n}\n\nlocals {\n  tags = { Stack = \"bench\" }\n}\n",
    )
    .expect("write main.tf");
    for (file_index, first) in (0..cells).step_by(CELLS_PER_FILE).enumerate() {
        let mut text = String::new();
        for cell in first..(first + CELLS_PER_FILE).min(cells) {
            let _ = write!(
                text,
                "module \"cell_{cell}\" {{\n  source = \"./modules/cell\"\n  name   = \"cell-{cell}\"\n  cidr   = cidrsubnet(\"10.0.0.0/8\", 16, {cell})\n  azs    = var.azs\n  tags   = merge(local.tags, {{ Cell = \"{cell}\" }})\n}}\n\n\
resource \"aws_route53_health_check\" \"cell_{cell}\" {{\n  type          = \"HTTP\"\n  fqdn          = module.cell_{cell}.lb_dns_name\n  port          = 80\n  resource_path = \"/healthz\"\n}}\n\n\
resource \"aws_route53_record\" \"cell_{cell}\" {{\n  zone_id         = data.aws_route53_zone.main.zone_id\n  name            = \"cell-{cell}.bench.example.com\"\n  type            = \"A\"\n  set_identifier  = \"cell-{cell}\"\n  health_check_id = aws_route53_health_check.cell_{cell}.id\n  failover_routing_policy {{\n    type = \"SECONDARY\"\n  }}\n  alias {{\n    name                   = module.cell_{cell}.lb_dns_name\n    zone_id                = module.cell_{cell}.lb_zone_id\n    evaluate_target_health = true\n  }}\n}}\n\n"
            );
        }
        std::fs::write(out.join(format!("cells_{file_index:04}.tf")), text).expect("write cells");
    }
    std::fs::write(out.join("live.json"), live_snapshot(cells)).expect("write live.json");
    println!("wrote {} resources in {cells} cells to {} (and live.json)", cells * PER_CELL, out.display());
}

/// The live objects of the cells that exist, as JSON.
fn live_snapshot(cells: usize) -> String {
    let mut objects = vec![serde_json::json!({
        "type": "aws_route53_zone", "region": "global", "id": "ZBENCH0000000",
        "attributes": { "name": "bench.example.com.", "private_zone": false }
    })];
    let existing = cells * 7 / 10;
    for cell in 0..existing {
        let prefix = format!("module.cell_{cell}.");
        let cidr = format!("10.{}.{}.0/24", cell >> 8, cell & 255);
        let tags = |addr: &str, extra: serde_json::Value| {
            let mut t = serde_json::json!({ "drplan:stack": "bench", "drplan:address": format!("{prefix}{addr}"), "Stack": "bench", "Cell": cell.to_string() });
            if let (Some(t), Some(e)) = (t.as_object_mut(), extra.as_object()) {
                t.extend(e.clone());
            }
            t
        };
        let obj = |ty: &str, id: String, addr: &str, extra_tags: serde_json::Value, attrs: serde_json::Value| serde_json::json!({ "type": ty, "region": "us-west-2", "id": id, "tags": tags(addr, extra_tags), "attributes": attrs });
        objects.push(obj(
            "aws_vpc",
            format!("vpc-{cell:08x}"),
            "aws_vpc.this",
            serde_json::json!({"Name": format!("cell-{cell}")}),
            serde_json::json!({"cidr_block": cidr, "enable_dns_hostnames": true}),
        ));
        objects.push(obj(
            "aws_internet_gateway",
            format!("igw-{cell:08x}"),
            "aws_internet_gateway.this",
            serde_json::json!({}),
            serde_json::json!({"vpc_id": format!("vpc-{cell:08x}")}),
        ));
        for i in 0..2 {
            let subnet = format!("10.{}.{}.{}/28", cell >> 8, cell & 255, i * 16);
            objects.push(obj("aws_subnet", format!("subnet-{cell:08x}{i}"), &format!("aws_subnet.public[{i}]"), serde_json::json!({"Name": format!("cell-{cell}-public-{i}")}), serde_json::json!({"vpc_id": format!("vpc-{cell:08x}"), "cidr_block": subnet, "map_public_ip_on_launch": true})));
        }
        objects.push(obj(
            "aws_security_group",
            format!("sg-{cell:08x}"),
            "aws_security_group.web",
            serde_json::json!({}),
            serde_json::json!({"name": format!("cell-{cell}-web"), "vpc_id": format!("vpc-{cell:08x}")}),
        ));
        for i in 0..4 {
            let instance_type = if cell % 10 == 0 && i == 0 { "t3.large" } else { "t3.small" };
            objects.push(obj("aws_instance", format!("i-{cell:08x}{i}"), &format!("aws_instance.web[{i}]"), serde_json::json!({"Name": format!("cell-{cell}-web-{i:02}")}), serde_json::json!({"ami": "ami-0123456789abcdef0", "instance_type": instance_type, "subnet_id": format!("subnet-{cell:08x}{}", i % 2)})));
        }
        objects.push(obj("aws_lb_target_group", format!("arn:aws:elasticloadbalancing:us-west-2:123456789012:targetgroup/cell-{cell}-web/{cell:016x}"), "aws_lb_target_group.web", serde_json::json!({}), serde_json::json!({"name": format!("cell-{cell}-web"), "port": 80, "protocol": "HTTP", "vpc_id": format!("vpc-{cell:08x}")})));
    }
    let snapshot = serde_json::json!({
        "format_version": 1,
        "captured_at": "2026-11-20T00:00:00Z",
        "account_id": "123456789012",
        "regions": ["global", "us-east-1", "us-west-2"],
        "objects": objects,
    });
    serde_json::to_string(&snapshot).expect("serialize")
}

fn usage() -> ! {
    eprintln!("usage: gen_topology --resources N --out DIR");
    std::process::exit(2);
}
