//! An in-memory cloud, both sides: a [`Cloud`] that returns what is stored and a [`Provider`]
//! that stores what it is told to create, change or delete, as AWS would record it (ownership
//! tags, the configuration's known arguments as attributes, a generated id). It knows no
//! resource type beyond the registry's read units, so it exercises planning, apply-time
//! resolution and the executor without AWS. Tests and offline simulations use it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Cloud, InventoryRequest, Provider};
use crate::error::Error;
use crate::eval::Value;
use crate::live::{LiveObject, LiveSnapshot};
use crate::resources::StepError;
use crate::resources::sdk::{Narrow, owned_tags};
use crate::resources::{self, ApplyRequest, BoxFuture, Op};

/// See the module documentation.
pub struct InMemory {
    region: String,
    stack: String,
    objects: Mutex<Vec<LiveObject>>,
    next_id: AtomicUsize,
    /// Writes performed, as `op type address`.
    pub writes: Mutex<Vec<String>>,
    seed: Mutex<Option<crate::live::seed::StackSeed>>,
    /// Base times recorded on the seed (`resources::time`).
    times: Mutex<std::collections::BTreeMap<String, String>>,
}

impl InMemory {
    /// An empty DR region for `stack`.
    pub fn new(region: &str, stack: &str) -> Self {
        InMemory {
            region: region.into(),
            stack: stack.into(),
            objects: Mutex::new(Vec::new()),
            next_id: AtomicUsize::new(1),
            writes: Mutex::new(Vec::new()),
            seed: Mutex::new(None),
            times: Mutex::new(Default::default()),
        }
    }

    /// Puts an object there as if someone else had made it.
    pub fn insert(&self, object: LiveObject) {
        self.objects.lock().unwrap_or_else(|e| e.into_inner()).push(object);
    }

    pub fn objects(&self) -> Vec<LiveObject> {
        self.objects.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn record(&self, what: String) {
        self.writes.lock().unwrap_or_else(|e| e.into_inner()).push(what);
    }

    fn store(&self, ty: &str, req: &ApplyRequest) -> Result<(), StepError> {
        let mut objects = self.objects.lock().unwrap_or_else(|e| e.into_inner());
        match req.op {
            Op::Create => {
                let id = format!("{}-{}", ty.trim_start_matches("aws_"), self.next_id.fetch_add(1, Ordering::Relaxed));
                let tags = owned_tags(&req.config, &self.stack, req.address);
                let region = resources::home_region(ty, &self.region).to_string();
                req.created.set(&id);
                objects.push(LiveObject { ty: ty.into(), region, id, tags, attributes: attributes(req.config.0)? });
            }
            Op::Update(_) => {
                let id = &req.prior.ok_or_else(|| StepError::fatal("no live object to change"))?.id;
                let attrs = attributes(req.config.0)?;
                for o in objects.iter_mut().filter(|o| o.ty == ty && o.id == *id) {
                    o.attributes = attrs.clone();
                    o.tags = owned_tags(&req.config, &self.stack, req.address);
                }
            }
            Op::Delete => {
                let id = &req.prior.ok_or_else(|| StepError::fatal("no live object to delete"))?.id;
                objects.retain(|o| !(o.ty == ty && o.id == *id));
            }
            Op::Ready => {}
        }
        Ok(())
    }
}

/// The known top-level arguments, as AWS would report them; an unknown one at apply time is
/// the same error the AWS backend gives.
fn attributes(config: &Value) -> Result<std::collections::BTreeMap<String, serde_json::Value>, StepError> {
    let mut out = std::collections::BTreeMap::new();
    for (k, v) in config.as_map().into_iter().flatten() {
        if k == "tags" || k == "id" || matches!(v, Value::Null | Value::Unknown) || !v.is_wholly_known() {
            continue;
        }
        let json = v.to_json().map_err(|e| StepError::fatal(format!("argument {k}: {e}")))?;
        out.insert(k.clone(), json);
    }
    Ok(out)
}

impl Cloud for InMemory {
    fn inventory(&self, request: &InventoryRequest) -> Result<LiveSnapshot, Error> {
        let mut snapshot = LiveSnapshot::empty();
        if request.stack_seed {
            snapshot.stack_seed = self.seed.lock().unwrap_or_else(|e| e.into_inner()).clone();
            snapshot.recorded_times = self.times.lock().unwrap_or_else(|e| e.into_inner()).clone();
        }
        snapshot.regions = vec![self.region.clone()];
        snapshot.objects = self.objects();
        snapshot.sort();
        Ok(snapshot)
    }
}

impl Provider for InMemory {
    fn apply<'a>(&'a self, ty: &'a str, request: ApplyRequest<'a>) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            let op = match request.op {
                Op::Create => "create",
                Op::Update(_) => "update",
                Op::Delete => "delete",
                Op::Ready => return Ok(()),
            };
            self.record(format!("{op} {ty} {}", request.address));
            self.store(ty, &request)
        })
    }

    fn stack_seed(&self) -> BoxFuture<'_, Result<crate::live::seed::StackSeed, StepError>> {
        Box::pin(async move {
            let mut seed = self.seed.lock().unwrap_or_else(|e| e.into_inner());
            if seed.is_none() {
                *seed = Some(crate::live::seed::StackSeed::generate().map_err(StepError::fatal)?);
                self.record("create stack-seed".into());
            }
            Ok(seed.clone().expect("set above"))
        })
    }

    fn record_time<'a>(&'a self, key: &'a str, value: &'a str) -> BoxFuture<'a, Result<(), StepError>> {
        Box::pin(async move {
            self.stack_seed().await?;
            self.record(format!("record {key}"));
            self.times.lock().unwrap_or_else(|e| e.into_inner()).insert(key.into(), value.into());
            Ok(())
        })
    }

    fn reread<'a>(&'a self, ty: &'a str, narrow: &'a Narrow) -> BoxFuture<'a, Result<Vec<LiveObject>, StepError>> {
        Box::pin(async move {
            let types = resources::get(ty).map(|t| t.read_unit().types).unwrap_or_default();
            Ok(self.objects().into_iter().filter(|o| types.contains(&o.ty.as_str()) && narrow.covers(o)).collect())
        })
    }
}
