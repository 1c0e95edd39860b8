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
//! Types AWS cannot tag ([`super::imports`]) are imported by the id their configuration implies
//! ([`find_untagged`]); whether such an object is this stack's is proven at planning, by its
//! owned parent or by being exactly as configured ([`crate::plan::ownership`]).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use super::Host;
use super::host::live_object;
use crate::cloud::Tagged;
use crate::config::Mode;
use crate::eval::Value;
use crate::live::{ADDRESS_TAG, LiveObject, STACK_TAG};
use crate::resources::imports::ImportId;

/// Arguments whose configured value is the import id of many provider-aws types.
pub const IMPORT_KEYS: &[&str] =
    &["name", "bucket", "function_name", "identifier", "cluster_identifier", "domain_name", "key_name"];

pub use crate::resources::Wanted;

/// The import ids an instance's configuration suggests.
pub fn config_ids(config: &Value) -> Vec<String> {
    IMPORT_KEYS.iter().filter_map(|k| config.get(k)?.as_str().map(str::to_string)).collect()
}

/// An instance of a type AWS cannot tag, and how to import its object.
#[derive(Clone, Debug, PartialEq)]
pub struct Untagged {
    pub address: String,
    pub ty: String,
    pub import: ImportId,
}

/// Imports the objects that instances of types AWS cannot tag name by their configuration;
/// those that do not exist, or cannot be read in time, are left out (planned as new).
pub fn find_untagged(host: &Arc<Host>, region: &str, wanted: &[Untagged]) -> Vec<LiveObject> {
    let mut objects = host.block_on(async {
        let permits = Arc::new(tokio::sync::Semaphore::new(16));
        let mut tasks = tokio::task::JoinSet::new();
        for w in wanted {
            let (host, permits, region, w) = (host.clone(), permits.clone(), region.to_string(), w.clone());
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                tokio::time::timeout(LOOKUP_LIMIT, import_untagged(&host, &region, &w)).await.ok().flatten()
            });
        }
        let mut out = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            out.extend(joined.ok().flatten());
        }
        out
    });
    objects.sort_by(|a, b| (&a.ty, &a.id).cmp(&(&b.ty, &b.id)));
    objects.dedup_by(|a, b| (&a.ty, &a.id) == (&b.ty, &b.id));
    objects
}

/// Names, by their ARNs, the subscriptions among `wanted` that their topics list (`list` gives a
/// topic's subscriptions; each topic is asked once); one not listed is left unnamed (planned as
/// new: SNS answers a repeated subscribe with the existing subscription).
pub fn name_subscriptions(
    wanted: Vec<Untagged>,
    list: &dyn Fn(&str) -> Vec<crate::cloud::Subscription>,
) -> Vec<Untagged> {
    let mut listed: std::collections::BTreeMap<String, Vec<crate::cloud::Subscription>> = Default::default();
    wanted
        .into_iter()
        .map(|mut w| {
            if let ImportId::SnsSubscription { topic_arn, protocol, endpoint } = &w.import {
                let subscriptions = listed.entry(topic_arn.clone()).or_insert_with(|| list(topic_arn));
                let found = subscriptions.iter().find(|s| s.protocol == *protocol && s.endpoint == *endpoint);
                if let Some(s) = found {
                    w.import = ImportId::Ready(s.arn.clone());
                }
            }
            w
        })
        .collect()
}

async fn import_untagged(host: &Host, region: &str, wanted: &Untagged) -> Option<LiveObject> {
    let ty = wanted.ty.as_str();
    let state = match &wanted.import {
        ImportId::Ready(id) => host.import(ty, id).await,
        ImportId::Read(state) => host.read(ty, state).await,
        // Named by the caller from the topic's listing ([`name_subscriptions`]), or not found.
        ImportId::SnsSubscription { .. } => return None,
        ImportId::CurrentSecretVersion { secret_id } => {
            let config = Value::Map([("secret_id".to_string(), Value::from(secret_id.as_str()))].into());
            let current = host.read_data_async(crate::resources::imports::SECRET_VERSION, &config).await.ok()??;
            host.import(ty, &format!("{secret_id}|{}", current.get("version_id")?.as_str()?)).await
        }
    };
    let block = host.block(Mode::Managed, ty)?;
    Some(live_object(ty, region, &state.ok()??, block))
}

/// One lookup: a type, the ids to try in order, and what the state read back must show.
struct Lookup {
    ty: String,
    address: String,
    ids: Vec<String>,
    arn: Option<String>,
    config: Value,
    /// See [`Wanted::claim_untagged`].
    claim_untagged: bool,
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
    /// Not found, but an answer failed in a way that may pass later: it may exist.
    Interrupted,
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
/// `account` (when known) lets an import id the configuration implies be exact (an IAM policy's
/// ARN).
pub fn discover(
    host: &Arc<Host>,
    region: &str,
    account: Option<&str>,
    stack: &str,
    tagged: &[Tagged],
    wanted: &[Wanted],
) -> Discovery {
    let served = |ty: &str| crate::resources::get(ty).is_none() && host.block(Mode::Managed, ty).is_some();
    let mut lookups = Vec::new();
    let mut listed = BTreeSet::new();
    for t in tagged.iter().filter(|t| t.tags.get(STACK_TAG).map(String::as_str) == Some(stack)) {
        let Some(address) = t.tags.get(ADDRESS_TAG) else { continue };
        let Some(ty) = crate::live::type_of_address(address).filter(|ty| served(ty)) else { continue };
        listed.insert(address.clone());
        lookups.push(Lookup {
            ty,
            address: address.clone(),
            ids: arn_ids(&t.arn),
            arn: Some(t.arn.clone()),
            config: Value::Null,
            claim_untagged: false,
        });
    }
    // A type the listing covers needs no guessing: its instances not listed do not exist.
    let covered: BTreeSet<&str> = lookups.iter().map(|l| l.ty.as_str()).collect();
    let guesses: Vec<&Wanted> = wanted
        .iter()
        .filter(|w| !listed.contains(&w.address) && !covered.contains(w.ty.as_str()))
        .filter(|w| served(&w.ty))
        .collect();
    for w in guesses {
        let (ty, address, mut ids, mut config) = (w.ty.clone(), w.address.clone(), w.ids.clone(), w.config.clone());
        if let Some(arn) = account.and_then(|a| crate::resources::imports::arn_guess(&ty, &config, a, region)) {
            // Exact: no lookup through a data source (IAM's can take seconds to say "none").
            ids.insert(0, arn);
            config = Value::Null;
        }
        lookups.push(Lookup { ty, address, ids, arn: None, config, claim_untagged: false });
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
                (Outcome::Unknown | Outcome::Interrupted, Some(arn)) => {
                    out.unreadable.push(format!("{} ({arn})", lookup.address))
                }
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

/// One instance looked up after a create whose outcome is unknown (its answer, or the
/// provider's own retry of it, was lost): by the tagging API's listing of the stack (`tagged`)
/// and by the import ids its configuration suggests, proven by its ownership tags as at
/// planning. `Ok(None)`: it does not exist, so creating it is safe; an error: it may exist and
/// could not be read, so nothing may be created yet. For apply, inside its runtime.
pub async fn find_after_write(
    host: &Arc<Host>,
    want: &Wanted,
    stack: &str,
    region: &str,
    account: Option<&str>,
    tagged: &[Tagged],
) -> Result<Option<LiveObject>, String> {
    // A type AWS cannot tag: by the id its configuration implies, as at planning (where its
    // ownership is proven by its owned parent or by being exactly as configured).
    if let Some(untaggable) = crate::resources::imports::find(&want.ty) {
        let Value::Map(fields) = &want.config else { return Ok(None) };
        let written = fields.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.clone()).collect();
        let Some(import) = untaggable.import_id(&want.config, &written) else { return Ok(None) };
        let wanted = Untagged { address: want.address.clone(), ty: want.ty.clone(), import };
        return Ok(tokio::time::timeout(LOOKUP_LIMIT, import_untagged(host, region, &wanted)).await.ok().flatten());
    }
    let listed: Vec<&Tagged> = tagged
        .iter()
        .filter(|t| {
            t.tags.get(STACK_TAG).map(String::as_str) == Some(stack) && t.tags.get(ADDRESS_TAG) == Some(&want.address)
        })
        .collect();
    let mut ids: Vec<String> = listed.iter().flat_map(|t| arn_ids(&t.arn)).collect();
    // An IAM policy is imported by an ARN its configuration implies, as at planning.
    ids.extend(account.and_then(|a| crate::resources::imports::arn_guess(&want.ty, &want.config, a, region)));
    ids.extend(want.ids.iter().cloned());
    ids.dedup();
    let arn = listed.first().map(|t| t.arn.clone());
    let lookup = Lookup {
        ty: want.ty.clone(),
        address: want.address.clone(),
        ids,
        arn,
        config: want.config.clone(),
        claim_untagged: want.claim_untagged,
    };
    match tokio::time::timeout(LOOKUP_LIMIT, find(host, &lookup, stack, region)).await {
        Ok(Outcome::Found(object)) => Ok(Some(object)),
        // Every id answered "no such object": creating it is safe.
        Ok(Outcome::Gone) => Ok(None),
        // As at planning: a guess that found nothing proven (only errors, such as a data
        // source's "no match", or another's object) is not this stack's object.
        Ok(Outcome::Unknown) if lookup.arn.is_none() => Ok(None),
        // Listed as this stack's and not read back, or a lookup interrupted: it may exist, so
        // nothing is created before a later attempt knows.
        Ok(Outcome::Unknown | Outcome::Interrupted) | Err(_) => {
            Err(format!("{} could not be looked up after its create", want.address))
        }
    }
}

/// The objects other than `kept` (an ARN) that the tagging listing `tagged` names as
/// `address`'s in `stack`, each read back and proven by its ownership tags: what a create
/// retried inside the provider (its first answer lost; KMS's `CreateKey` has no client token)
/// made besides the object the provider handed back. One that cannot be read is left out: it
/// is never deleted unproven.
pub async fn duplicates(
    host: &Arc<Host>,
    ty: &str,
    address: &str,
    kept: &str,
    stack: &str,
    region: &str,
    tagged: &[Tagged],
) -> Vec<LiveObject> {
    let mut out = Vec::new();
    let others = tagged.iter().filter(|t| {
        t.arn != kept
            && t.tags.get(STACK_TAG).map(String::as_str) == Some(stack)
            && t.tags.get(ADDRESS_TAG).map(String::as_str) == Some(address)
    });
    for t in others {
        let lookup = Lookup {
            ty: ty.to_string(),
            address: address.to_string(),
            ids: arn_ids(&t.arn),
            arn: Some(t.arn.clone()),
            config: Value::Null,
            claim_untagged: false,
        };
        if let Ok(Outcome::Found(object)) = tokio::time::timeout(LOOKUP_LIMIT, find(host, &lookup, stack, region)).await
            && object.attr_str("arn") != Some(kept)
            && object.tags.get(ADDRESS_TAG).map(String::as_str) == Some(address)
        {
            out.push(object);
        }
    }
    out
}

/// Whether every one of `ids` (at least one) is read as "no such object" by importing it: what
/// a served create may claim after its answer is lost ([`Wanted::claim_untagged`]). Anything
/// else (an object, an error, no answer in time) is `false`.
pub async fn ids_free(host: &Arc<Host>, ty: &str, ids: &[String]) -> bool {
    if ids.is_empty() {
        return false;
    }
    let all_gone = async {
        for id in ids {
            if !matches!(host.import(ty, id).await, Ok(None)) {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(LOOKUP_LIMIT, all_gone).await.unwrap_or(false)
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
    let by_data = data_arguments(host, &lookup.ty, &lookup.config);
    let tries = lookup.ids.len() + usize::from(by_data.is_some());
    if let Some(arguments) = by_data {
        let (host, ty, index) = (host.clone(), lookup.ty.clone(), lookup.ids.len());
        attempts.spawn(async move { (index, import_as_data_finds(&host, &ty, &arguments).await) });
    }
    let mut answers: Vec<Option<Answer>> = (0..tries).map(|_| None).collect();
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
            Err(e) => Answer::Failed(super::transient(&e)),
            Ok(Some(state)) => {
                let none = crate::provider::schema::Block::default();
                let block = host.block(Mode::Managed, &lookup.ty).unwrap_or(&none);
                let mut object = live_object(&lookup.ty, region, &state, block);
                let tagged = object.tags.get(STACK_TAG).map(String::as_str) == Some(stack)
                    && object.tags.get(ADDRESS_TAG) == Some(&lookup.address);
                let same_arn = lookup.arn.as_deref().is_some_and(|arn| object.attr_str("arn") == Some(arn));
                let claimed = lookup.claim_untagged && !object.tags.contains_key(STACK_TAG);
                if claimed {
                    // Known as this address's from here on; the write that follows tags it.
                    object.tags.insert(STACK_TAG.to_string(), stack.to_string());
                    object.tags.insert(ADDRESS_TAG.to_string(), lookup.address.clone());
                }
                if tagged || same_arn || claimed { Answer::Proven(object) } else { Answer::Other }
            }
        };
        if matches!(answer, Answer::Proven(_)) && deadline.is_none() {
            deadline = Some(tokio::time::Instant::now() + EARLIER_GRACE);
        }
        answers[index] = Some(answer);
    }
}

/// Arguments to look the instance's object up with through the provider's data source of the
/// same type: the scalar arguments it takes that the configuration sets (`None` without any).
/// Whatever it finds is still proven by its ownership tags before it is taken.
fn data_arguments(host: &Host, ty: &str, config: &Value) -> Option<Value> {
    let block = host.block(Mode::Data, ty)?;
    let Value::Map(fields) = config else { return None };
    let arguments: std::collections::BTreeMap<String, Value> = block
        .attributes
        .iter()
        .filter(|(name, a)| (a.optional || a.required) && !matches!(name.as_str(), "id" | "tags" | "tags_all"))
        .filter_map(|(name, _)| {
            let value = fields.get(name)?;
            matches!(value, Value::String(_) | Value::Number(_) | Value::Bool(_)).then(|| (name.clone(), value.clone()))
        })
        .collect();
    (!arguments.is_empty()).then_some(Value::Map(arguments.into()))
}

/// Imports the object the data source of type `ty` finds with `arguments` (by the id it says).
async fn import_as_data_finds(host: &Host, ty: &str, arguments: &Value) -> Result<Option<Value>, String> {
    let Some(found) = host.read_data_async(ty, arguments).await? else { return Ok(None) };
    // Framework data sources may have no `id`; provider-aws imports those types by ARN.
    let Some(id) = found.get("id").or_else(|| found.get("arn")).and_then(Value::as_str) else { return Ok(None) };
    host.import(ty, id).await
}

/// One id's answer.
enum Answer {
    Proven(LiveObject),
    /// Read as "no such object".
    Gone,
    /// Some other object, not proven ours.
    Other,
    /// An error; `true` when it may pass later (throttling, a 5xx, a lost connection).
    Failed(bool),
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
    if answers.iter().any(|a| matches!(a, Some(Answer::Failed(true)))) {
        return Outcome::Interrupted;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_subscription_is_named_by_its_topics_listing() {
        let wanted = |protocol: &str, endpoint: &str| Untagged {
            address: "aws_sns_topic_subscription.s".into(),
            ty: "aws_sns_topic_subscription".into(),
            import: ImportId::SnsSubscription {
                topic_arn: "arn:t".into(),
                protocol: protocol.into(),
                endpoint: endpoint.into(),
            },
        };
        let asked = std::cell::Cell::new(0);
        let list = |topic: &str| {
            asked.set(asked.get() + 1);
            assert_eq!(topic, "arn:t");
            vec![crate::cloud::Subscription { arn: "arn:t:1".into(), protocol: "sqs".into(), endpoint: "arn:q".into() }]
        };
        let named = name_subscriptions(vec![wanted("sqs", "arn:q"), wanted("email", "a@b")], &list);
        assert_eq!(named[0].import, ImportId::Ready("arn:t:1".into()));
        assert!(matches!(named[1].import, ImportId::SnsSubscription { .. }), "not listed: left unnamed");
        assert_eq!(asked.get(), 1, "each topic is listed once");
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
