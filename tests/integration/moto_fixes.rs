//! Where moto answers a retried write differently from AWS, the fault proxy answers as AWS
//! does, so a test of retries after lost answers tests drplan, not moto's gaps. Only these
//! cases (docs/aws.md, "where moto falls short"); every other answer is moto's own.
//!
//! - `RemoveRoleFromInstanceProfile` for a role no longer in the profile: moto fails with an
//!   HTML 500 (its `list.remove` raises); IAM answers `NoSuchEntity`, which clients take as done.
//! - `CreateAutoScalingGroup` for a name that exists: moto replaces the group and launches its
//!   instances again, orphaning the first ones; AWS answers `AlreadyExists` and launches nothing.

use crate::faults::{Request, error_xml, forward};

/// AWS's answer where moto's differs, after the call was forwarded.
pub(crate) fn as_aws_answers(action: &str, status: String, body: Vec<u8>) -> (String, Vec<u8>) {
    let html = body.starts_with(b"<!doctype html") || body.starts_with(b"<!DOCTYPE html");
    if action == "RemoveRoleFromInstanceProfile" && status.starts_with("500") && html {
        let xml = error_xml(false, "NoSuchEntity", "The role is not in the instance profile.");
        return ("404 Not Found".to_string(), xml.into_bytes());
    }
    (status, body)
}

/// AWS's refusal of a write moto would wrongly accept, before it is forwarded.
pub(crate) fn refused_as_aws_would(upstream: &str, action: &str, req: &Request) -> Option<(&'static str, String)> {
    if action != "CreateAutoScalingGroup" {
        return None;
    }
    let name = form_param(&req.body, "AutoScalingGroupName")?;
    let ask = format!("Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames.member.1={name}");
    let (status, body) = forward(upstream, &with_body(req, ask)).ok()?;
    let exists = status.starts_with("200") && String::from_utf8_lossy(&body).contains("<AutoScalingGroupName>");
    let message = format!("AutoScalingGroup by this name already exists - A group with the name {name} already exists");
    exists.then(|| ("400 Bad Request", error_xml(false, "AlreadyExists", &message)))
}

/// A form-encoded parameter, still encoded (it is sent on as it came).
fn form_param(body: &[u8], key: &str) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    text.split('&').find_map(|pair| pair.strip_prefix(&format!("{key}=")).map(str::to_string))
}

/// The same request (region, credentials) with another form body.
fn with_body(req: &Request, body: String) -> Request {
    let head: Vec<String> = req
        .head
        .lines()
        .map(|l| match l.to_ascii_lowercase().starts_with("content-length:") {
            true => format!("content-length: {}", body.len()),
            false => l.to_string(),
        })
        .collect();
    Request { head: head.join("\r\n") + "\r\n", body: body.into_bytes() }
}
