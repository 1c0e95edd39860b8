#!/usr/bin/env python3
"""Derives partial.json and drifted.json for an example from its converged.json.

Usage: scripts/derive-example-states.py examples/NAME/live

partial.json:  empty.json plus the network module's objects (a rebuild interrupted after the network).
drifted.json:  converged.json with changes made outside drplan: an instance type and a VPC tag edited,
               a target group health check path changed, an owned object whose address is no longer
               declared, and a foreign (untagged) instance in the same region that must be left alone.
"""
import copy, json, sys

live = sys.argv[1]
empty = json.load(open(f"{live}/empty.json"))
conv = json.load(open(f"{live}/converged.json"))
empty_ids = {o["id"] for o in empty["objects"]}
created = [o for o in conv["objects"] if o["id"] not in empty_ids]

def key(o):
    return (o["region"], o["type"], o["id"])

partial = copy.deepcopy(empty)
partial["captured_at"] = "2026-11-20T10:05:00Z"
partial["objects"] += [o for o in created if o.get("tags", {}).get("drplan:address", "").startswith("module.network.")]
partial["objects"].sort(key=key)

drifted = copy.deepcopy(conv)
drifted["captured_at"] = "2026-11-21T16:40:00Z"
region = next(o["region"] for o in created)
stack = next(o["tags"]["drplan:stack"] for o in created if "drplan:stack" in o.get("tags", {}))
for o in drifted["objects"]:
    addr = o.get("tags", {}).get("drplan:address", "")
    if o["type"] == "aws_instance" and addr.endswith("[0]"):
        o["attributes"]["instance_type"] = "t3.2xlarge"
    if o["type"] == "aws_vpc":
        o["tags"]["Environment"] = "dr-manual"
    if o["type"] == "aws_lb_target_group":
        for hc in o["attributes"].get("health_check", []):
            hc["path"] = "/"
drifted["objects"].append({
    "type": "aws_security_group", "region": region, "id": "sg-0legacy000000001",
    "tags": {"drplan:stack": stack, "drplan:address": "aws_security_group.legacy_bastion", "Name": "legacy-bastion"},
    "attributes": {"name": "legacy-bastion", "description": "Old bastion access", "vpc_id": "vpc-legacy"},
})
drifted["objects"].append({
    "type": "aws_instance", "region": region, "id": "i-0foreign00000001",
    "tags": {"Name": "someone-elses-box"},
    "attributes": {"instance_type": "t3.micro"},
})
drifted["objects"].sort(key=key)

for name, doc in [("partial", partial), ("drifted", drifted)]:
    with open(f"{live}/{name}.json", "w") as f:
        json.dump(doc, f, indent=2, sort_keys=False)
        f.write("\n")
