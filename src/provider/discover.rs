//! Finding, without a state file, the objects a stack owns of the types served through the
//! provider host, and reading them in the provider's state form.
//!
//! Two ways in, both ending in `ImportResourceState` + `ReadResource` (what `terraform import`
//! does) and both proven by the ownership tags on the object read back, never assumed:
//! - the tagging API's listing of the stack's objects ([`crate::cloud::Cloud::tagged`]): the
//!   `drplan:address` tag names the address, hence the type; the import id is the ARN or its
//!   resource part (provider-aws imports most types by ARN, name or id, which the ARN ends with),
//!   and the state read back must carry that ARN (or the ownership tags);
//! - for instances the listing does not cover (services it does not serve, such as IAM), the
//!   identifying arguments of the configuration (`name`, `bucket`, ...), as an `import` block
//!   would name them; the object read back must carry both ownership tags.
//!
//! Types AWS cannot tag are not found this way; docs/configuration.md says what that means.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::Host;
use super::host::live_object;
use crate::cloud::Tagged;
use crate::config::Mode;
use crate::eval::Value;
use crate::live::{ADDRESS_TAG, LiveObject, STACK_TAG};

/// Arguments whose configured value is the import id of many provider-aws types.
pub const IMPORT_KEYS: &[&str] =
    &["name", "bucket", "function_name", "identifier", "cluster_identifier", "domain_name"];

/// An instance of a served type the configuration declares, and the import ids its
/// configuration suggests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wanted {
    pub address: String,
    pub ty: String,
    pub ids: Vec<String>,
}

/// The import ids an instance's configuration suggests.
pub fn config_ids(config: &Value) -> Vec<String> {
    IMPORT_KEYS.iter().filter_map(|k| config.get(k)?.as_str().map(str::to_string)).collect()
}

/// One lookup: a type, the ids to try in order, and what the state read back must show.
struct Lookup {
    ty: String,
    address: String,
    ids: Vec<String>,
    arn: Option<String>,
}

/// How long finding one object may take: wrong guesses can be retried by the provider for a
/// while (an SQS queue named by its name instead of its URL), the right one answers at once.
const LOOKUP_LIMIT: Duration = Duration::from_secs(30);

/// How long a guess by configured name may take. A wrong guess can keep the provider retrying
/// (an SQS queue named by its name, not its URL); an object missed this way is one whose name is
/// taken, so its create fails in AWS rather than duplicating it.
const GUESS_LIMIT: Duration = Duration::from_secs(5);

/// What one lookup came to.
enum Outcome {
    Found(LiveObject),
    /// Every id was read as "no such object" (a KMS key pending deletion keeps its tags).
    Gone,
    /// Errors, time-outs, or only other objects.
    Unknown,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The stack's objects of served types, holding their provider states.
    pub objects: Vec<LiveObject>,
    /// Objects the tagging API lists as this stack's that could not be read: planning them as
    /// new would duplicate them, so callers refuse to plan.
    pub unreadable: Vec<String>,
    /// Objects the tagging API lists that the provider reads as deleted.
    pub gone: Vec<String>,
}

/// Finds the stack's objects of served types. See the module documentation.
pub fn discover(host: &Arc<Host>, region: &str, stack: &str, tagged: &[Tagged], wanted: &[Wanted]) -> Discovery {
    let served = |ty: &str| crate::resources::get(ty).is_none() && host.block(Mode::Managed, ty).is_some();
    let mut lookups = Vec::new();
    let mut listed = BTreeSet::new();
    for t in tagged.iter().filter(|t| t.tags.get(STACK_TAG).map(String::as_str) == Some(stack)) {
        let Some(address) = t.tags.get(ADDRESS_TAG) else { continue };
        let Some(ty) = type_of_address(address).filter(|ty| served(ty)) else { continue };
        listed.insert(address.clone());
        lookups.push(Lookup { ty, address: address.clone(), ids: arn_ids(&t.arn), arn: Some(t.arn.clone()) });
    }
    // A type the listing covers needs no guessing: its instances not listed do not exist.
    let covered: BTreeSet<&str> = lookups.iter().map(|l| l.ty.as_str()).collect();
    let guesses: Vec<&Wanted> = wanted
        .iter()
        .filter(|w| !listed.contains(&w.address) && !covered.contains(w.ty.as_str()))
        .filter(|w| served(&w.ty) && !w.ids.is_empty())
        .collect();
    for w in guesses {
        lookups.push(Lookup { ty: w.ty.clone(), address: w.address.clone(), ids: w.ids.clone(), arn: None });
    }
    let (stack, region) = (stack.to_string(), region.to_string());
    let mut out = host.block_on(async {
        let permits = Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        for lookup in lookups {
            let (host, permits, stack, region) = (host.clone(), permits.clone(), stack.clone(), region.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let limit = if lookup.arn.is_some() { LOOKUP_LIMIT } else { GUESS_LIMIT };
                let found = tokio::time::timeout(limit, find(&host, &lookup, &stack, &region)).await;
                (lookup, found.unwrap_or(Outcome::Unknown))
            });
        }
        let mut out = Discovery::default();
        while let Some(joined) = tasks.join_next().await {
            let Ok((lookup, found)) = joined else { continue };
            match (found, &lookup.arn) {
                (Outcome::Found(object), _) => out.objects.push(object),
                (Outcome::Gone, Some(arn)) => out.gone.push(format!("{} ({arn})", lookup.address)),
                (Outcome::Unknown, Some(arn)) => out.unreadable.push(format!("{} ({arn})", lookup.address)),
                (_, None) => {}
            }
        }
        out
    });
    out.objects.sort_by(|a, b| (&a.ty, &a.id).cmp(&(&b.ty, &b.id)));
    out.unreadable.sort();
    out.gone.sort();
    out
}

/// How long a proven answer waits for the ids tried before it (see [`find`]).
const EARLIER_GRACE: Duration = Duration::from_secs(5);

/// Tries every id at once. The first id in order whose state is proven this stack's object at
/// this address wins (so the same object gets the same id on every plan); once a later id is
/// proven, earlier ones that have not answered get [`EARLIER_GRACE`] to do so. The remaining
/// attempts are then cancelled.
async fn find(host: &Arc<Host>, lookup: &Lookup, stack: &str, region: &str) -> Outcome {
    let mut attempts = tokio::task::JoinSet::new();
    for (index, id) in lookup.ids.iter().cloned().enumerate() {
        let (host, ty) = (host.clone(), lookup.ty.clone());
        // A wrong guess is an error or nothing.
        attempts.spawn(async move { (index, host.import(&ty, &id).await) });
    }
    let mut answers: Vec<Option<Answer>> = (0..lookup.ids.len()).map(|_| None).collect();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        if let Some(decided) = decide(&answers) {
            return decided;
        }
        let next = match deadline {
            Some(at) => tokio::time::timeout_at(at, attempts.join_next()).await.unwrap_or_default(),
            None => attempts.join_next().await,
        };
        let Some(joined) = next else {
            // Out of time or attempts: the best proven answer, if any.
            let found = answers.iter_mut().find_map(|a| match a.take() {
                Some(Answer::Proven(object)) => Some(object),
                _ => None,
            });
            return found.map_or_else(|| gone_or_unknown(&answers), Outcome::Found);
        };
        let Ok((index, result)) = joined else { continue };
        let answer = match result {
            Ok(None) => Answer::Gone,
            Err(_) => Answer::Failed,
            Ok(Some(state)) => {
                let none = crate::provider::schema::Block::default();
                let block = host.block(Mode::Managed, &lookup.ty).unwrap_or(&none);
                let object = live_object(&lookup.ty, region, &state, block);
                let tagged = object.tags.get(STACK_TAG).map(String::as_str) == Some(stack)
                    && object.tags.get(ADDRESS_TAG) == Some(&lookup.address);
                let same_arn = lookup.arn.as_deref().is_some_and(|arn| object.attr_str("arn") == Some(arn));
                if tagged || same_arn { Answer::Proven(object) } else { Answer::Other }
            }
        };
        if matches!(answer, Answer::Proven(_)) && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + EARLIER_GRACE);
        }
        answers[index] = Some(answer);
    }
}

/// One id's answer.
enum Answer {
    Proven(LiveObject),
    /// Read as "no such object".
    Gone,
    /// Some other object, not proven ours.
    Other,
    Failed,
}

/// The first proven answer once every earlier id has answered otherwise; when every id has
/// answered and none is proven, gone or unknown.
fn decide(answers: &[Option<Answer>]) -> Option<Outcome> {
    for (index, answer) in answers.iter().enumerate() {
        match answer {
            None => return None,
            Some(Answer::Proven(object)) => return Some(Outcome::Found(object.clone())),
            Some(_) if index + 1 == answers.len() => return Some(gone_or_unknown(answers)),
            Some(_) => {}
        }
    }
    Some(Outcome::Unknown)
}

fn gone_or_unknown(answers: &[Option<Answer>]) -> Outcome {
    match answers.iter().all(|a| matches!(a, Some(Answer::Gone))) {
        true => Outcome::Gone,
        false => Outcome::Unknown,
    }
}

/// The resource's own id first (provider-aws keeps the id it was imported with, and most types
/// are imported by name or id), then the whole ARN: `arn:aws:kms:...:key/1234` -> `1234`, then
/// the ARN; `arn:aws:sns:...:alerts` -> `alerts`, then the ARN.
fn arn_ids(arn: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let resource = parts.get(5).copied().unwrap_or_default();
    // Services whose objects are imported by an id the ARN does not end with.
    if let ["arn", partition, "sqs", region, account, name] = parts.as_slice() {
        let domain = if partition.starts_with("aws-cn") { "amazonaws.com.cn" } else { "amazonaws.com" };
        ids.push(format!("https://sqs.{region}.{domain}/{account}/{name}"));
    }
    for candidate in [resource.rsplit('/').next(), resource.rsplit(':').next(), Some(resource), Some(arn)] {
        if let Some(c) = candidate.filter(|c| !c.is_empty() && !ids.iter().any(|i| i == c)) {
            ids.push(c.to_string());
        }
    }
    ids
}

/// The resource type an address names: `module.app["x"].aws_sns_topic.alerts[0]` ->
/// `aws_sns_topic`.
pub fn type_of_address(address: &str) -> Option<String> {
    let mut parts = Vec::new();
    let (mut current, mut depth) = (String::new(), 0usize);
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => parts.push(std::mem::take(&mut current)),
            _ if depth == 0 => current.push(c),
            _ => {}
        }
    }
    parts.push(current);
    let ty = parts.get(parts.len().checked_sub(2)?)?;
    (ty.starts_with("aws_") && parts.first().map(String::as_str) != Some("data")).then(|| ty.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_its_type() {
        assert_eq!(type_of_address("aws_sns_topic.alerts").as_deref(), Some("aws_sns_topic"));
        assert_eq!(type_of_address("module.app[\"a.b\"].aws_iam_role.r[0]").as_deref(), Some("aws_iam_role"));
        assert_eq!(type_of_address("data.aws_ami.x"), None);
        assert_eq!(type_of_address("alerts"), None);
    }

    #[test]
    fn import_ids_come_from_the_arn() {
        assert_eq!(
            arn_ids("arn:aws:sns:us-west-2:123456789012:alerts"),
            ["alerts", "arn:aws:sns:us-west-2:123456789012:alerts"]
        );
        assert_eq!(
            arn_ids("arn:aws:kms:us-west-2:123456789012:key/1234-abcd"),
            ["1234-abcd", "key/1234-abcd", "arn:aws:kms:us-west-2:123456789012:key/1234-abcd"]
        );
        assert_eq!(arn_ids("arn:aws:s3:::shop-data"), ["shop-data", "arn:aws:s3:::shop-data"]);
        assert_eq!(
            arn_ids("arn:aws:sqs:us-west-2:123456789012:q")[0],
            "https://sqs.us-west-2.amazonaws.com/123456789012/q"
        );
        let config = Value::Map([("name".to_string(), Value::from("app")), ("tags".to_string(), Value::Null)].into());
        assert_eq!(config_ids(&config), ["app"]);
    }
}
