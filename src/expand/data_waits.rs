//! Which managed instances a data source waits for: Terraform reads a data source during apply,
//! not while planning, when one of them has a change pending ("depends on a resource or a
//! module with changes pending"). As Terraform's `ReferenceMap.dependsOn` finds them:
//! - the managed resources its body, `count` or `for_each` refers to directly (a data source
//!   that names a managed resource is taken to need it, even when the value read is known);
//! - what its `depends_on` names: a resource itself, or for a module, everything the module
//!   holds and everything that depends on;
//! - what the `depends_on` of the module calls around it names, with what that depends on.
//!
//! Only the instances are found here; whether they have changes pending is the plan's to say
//! ([`crate::plan::deferred`]).

use std::collections::BTreeSet;

use super::{Engine, Frame};
use crate::config::Mode;
use crate::config::ResourceDecl;
use crate::config::refs::{Reference, Target, expr_refs};

impl Engine<'_> {
    /// The instances a data source's read waits for (see the module documentation); empty for
    /// a managed resource.
    pub(super) fn data_waits_on(&self, frame: &Frame, decl: &ResourceDecl, refs: &[Reference]) -> BTreeSet<usize> {
        if decl.mode != Mode::Data {
            return BTreeSet::new();
        }
        let managed = |r: &&Reference| matches!(&r.target, Target::Resource(Mode::Managed, _, _));
        let direct: Vec<Reference> = refs.iter().filter(managed).cloned().collect();
        let mut waits = Self::deps_of(frame, &direct);
        let named: Vec<Reference> =
            decl.depends_on.iter().flat_map(expr_refs).filter(|r| !matches!(r.target, Target::Resource(..))).collect();
        waits.extend(self.with_ancestors(Self::deps_of(frame, &named)));
        waits.extend(&self.call_waits);
        waits.retain(|&i| self.out.instances[i].mode == Mode::Managed);
        waits
    }

    /// What a module call's `depends_on` names, with what that depends on: what the data
    /// sources inside it wait for besides their own.
    pub(super) fn call_waits_on(&self, frame: &Frame, depends_on: &[crate::config::Expr]) -> BTreeSet<usize> {
        let refs: Vec<Reference> = depends_on.iter().flat_map(expr_refs).collect();
        let mut waits = self.with_ancestors(Self::deps_of(frame, &refs));
        waits.extend(&self.call_waits);
        waits
    }

    /// `instances` and every instance they depend on, transitively.
    fn with_ancestors(&self, instances: BTreeSet<usize>) -> BTreeSet<usize> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<usize> = instances.into_iter().collect();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(&self.out.instances[i].deps);
            }
        }
        seen
    }
}
