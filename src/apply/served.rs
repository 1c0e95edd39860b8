//! Writes of provider-served types at apply time: a [`Provider`] that sends writes of the types
//! drplan does not serve natively to terraform-provider-aws and everything else to the native
//! provider it wraps. The provider decides at write time, from the object as it is now and the
//! configuration evaluated now, what the write is (`PlanResourceChange`), then makes it
//! (`ApplyResourceChange`); the new state is handed back as the object the step made, since
//! these types have no read unit to re-read it with.

use std::sync::Arc;

use crate::cloud::Provider;
use crate::config::Mode;
use crate::eval::Value;
use crate::live::LiveObject;
use crate::plan::decide::decide_served;
use crate::provider::Host;
use crate::provider::host::{PlanItem, live_object};
use crate::provider::schema::Block;
use crate::resources::StepError;
use crate::resources::sdk::Narrow;
use crate::resources::{self, ApplyRequest, BoxFuture, Op};

/// `inner` for native types, the host for the rest.
pub struct WithHost<P> {
    inner: P,
    host: Option<Arc<Host>>,
    region: String,
}

impl<P: Provider> WithHost<P> {
    pub fn new(inner: P, host: Option<Arc<Host>>, region: &str) -> Self {
        WithHost { inner, host, region: region.to_string() }
    }

    fn served(&self, ty: &str) -> Option<&Host> {
        let host = self.host.as_deref()?;
        (resources::get(ty).is_none() && host.block(Mode::Managed, ty).is_some()).then_some(host)
    }
}

impl<P: Provider> Provider for WithHost<P> {
    fn apply<'a>(&'a self, ty: &'a str, request: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        let delegated = request.via_provider && !matches!(request.op, Op::Delete | Op::Ready);
        let host = self.served(ty).or_else(|| self.host.as_deref().filter(|_| delegated));
        match host {
            Some(host) => Box::pin(write(host, ty, &self.region, request)),
            None => self.inner.apply(ty, request),
        }
    }

    fn reread<'a>(&'a self, ty: &'a str, narrow: &'a Narrow) -> BoxFuture<'a, Result<Vec<LiveObject>, StepError>> {
        match self.served(ty) {
            Some(_) => Box::pin(async { Ok(Vec::new()) }),
            None => self.inner.reread(ty, narrow),
        }
    }

    fn tagged(&self) -> BoxFuture<'_, Result<Vec<crate::cloud::Tagged>, StepError>> {
        self.inner.tagged()
    }

    fn find_served<'a>(
        &'a self,
        want: &'a crate::resources::Wanted,
        stack: &'a str,
        account: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Option<LiveObject>, StepError>> {
        Box::pin(async move {
            let Some(host) = self.host.as_ref().filter(|_| self.served(&want.ty).is_some()) else { return Ok(None) };
            let tagged = self.inner.tagged().await?;
            crate::provider::discover::find_after_write(host, want, stack, &self.region, account, &tagged)
                .await
                .map_err(StepError::retryable)
        })
    }

    fn served_ids_free<'a>(&'a self, want: &'a crate::resources::Wanted) -> BoxFuture<'a, Result<bool, StepError>> {
        Box::pin(async move {
            let Some(host) = self.host.as_ref().filter(|_| self.served(&want.ty).is_some()) else { return Ok(false) };
            Ok(crate::provider::discover::ids_free(host, &want.ty, &want.ids).await)
        })
    }

    fn served_duplicates<'a>(
        &'a self,
        ty: &'a str,
        address: &'a str,
        kept: &'a str,
        stack: &'a str,
        tagged: &'a [crate::cloud::Tagged],
    ) -> BoxFuture<'a, Vec<LiveObject>> {
        Box::pin(async move {
            let Some(host) = self.host.as_ref().filter(|_| self.served(ty).is_some()) else { return Vec::new() };
            crate::provider::discover::duplicates(host, ty, address, kept, stack, &self.region, tagged).await
        })
    }

    fn stack_seed(&self) -> BoxFuture<'_, Result<crate::live::seed::StackSeed, StepError>> {
        self.inner.stack_seed()
    }

    fn record_time<'a>(&'a self, key: &'a str, value: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        self.inner.record_time(key, value)
    }
}

/// The path of the first unknown value in a configuration (`name`, `tags.Env`, `rule[0].x`).
fn first_unknown(value: &Value, path: String) -> Option<String> {
    let join = |key: &str| if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
    match value {
        Value::Unknown => Some(if path.is_empty() { "(the whole configuration)".into() } else { path }),
        Value::Map(m) => m.iter().find_map(|(k, v)| first_unknown(v, join(k))),
        Value::List(crate::eval::Seq { items, .. }) | Value::Set(items) => {
            items.iter().enumerate().find_map(|(i, v)| first_unknown(v, format!("{path}[{i}]")))
        }
        _ => None,
    }
}

/// One write of a served type. A provider error is retried (by the step) only when it is
/// transient (the provider's own retries ran out on throttling, a 5xx or a lost connection);
/// a create is then looked up by its tags and import ids before it is sent again (the
/// executor's unconfirmed creates), so a retry cannot duplicate it.
async fn write(host: &Host, ty: &str, region: &str, request: ApplyRequest<'_>) -> Result<(), StepError> {
    let creating = request.prior.is_none();
    let fail = |why: String| {
        let retryable = crate::provider::transient(&why) || (creating && crate::provider::already_exists(&why));
        StepError { message: format!("terraform-provider-aws: {why}"), retryable }
    };
    let none = Block::default();
    let block = host.block(Mode::Managed, ty).unwrap_or(&none);
    let config = request.config.0.clone();
    let prior = host.refreshed_prior(ty, request.prior, &config).await;
    if let Op::Delete = request.op {
        return host.delete(ty, &prior).await.map_err(fail);
    }
    // Terraform never applies a configuration with unknowns (the provider would fail on one,
    // or generate a name in its place): a value that should be known by now is an error.
    if let Some(path) = first_unknown(&config, String::new()) {
        return Err(StepError::fatal(format!("argument {path} is not known at apply time")));
    }
    let item = PlanItem { ty: ty.to_string(), prior: prior.clone(), config: config.clone() };
    let planned = host.plan(&item).await.map_err(fail)?;
    let untaggable = crate::provider::ownership::carrier(block).is_none();
    let mut settled = crate::provider::ownership::unread_defaults(&prior, &config, &planned.planned, untaggable);
    settled.extend(crate::provider::state::restored_args(block, ty, request.prior, &config));
    let decision = decide_served(&prior, &planned.planned, &planned.requires_replace, &settled);
    let state = if !prior.is_null() && decision.changed.is_empty() {
        prior
    } else if !prior.is_null() && decision.replace() {
        // Delete, then create from nothing, as Terraform replaces without create_before_destroy.
        host.delete(ty, &prior).await.map_err(fail)?;
        let fresh = PlanItem { ty: ty.to_string(), prior: Value::Null, config: config.clone() };
        let planned = host.plan(&fresh).await.map_err(fail)?;
        host.apply(ty, &Value::Null, &planned, &config).await.map_err(fail)?
    } else {
        host.apply(ty, &prior, &planned, &config).await.map_err(fail)?
    };
    if !state.is_null() {
        request.created.set_object(live_object(ty, region, &state, block));
    }
    Ok(())
}
