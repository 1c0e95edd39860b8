//! The entries of a [`Value::Map`](super::Value::Map), and whether they are a cty *map* (one
//! element type, as `tomap`, a `map(...)` constraint or a provider's map attribute makes them)
//! or an *object* (a literal `{...}`, a `for` expression, `jsondecode`).
//!
//! The difference shows where Terraform compares types: `tomap({a = 1}) == {a = 1}` is
//! false. Equality of values ([`PartialEq`]) ignores it, as [`super::Seq`]'s does: a plan
//! compares what was configured with what was read, whichever way each was built; the
//! language's `==` asks [`super::value::Value::same_kinds`] as well.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use super::value::Value;

#[derive(Clone, Debug, Default)]
pub struct Fields {
    pub items: BTreeMap<String, Value>,
    map: bool,
}

impl Fields {
    /// Entries known to share one type: a cty map.
    pub fn map(items: BTreeMap<String, Value>) -> Fields {
        Fields { items, map: true }
    }

    /// Whether this is a cty map rather than an object.
    pub fn is_map(&self) -> bool {
        self.map
    }

    /// The same entries, as a map or an object like `kind`.
    pub fn like(items: BTreeMap<String, Value>, kind: &Fields) -> Fields {
        Fields { items, map: kind.map }
    }

    pub fn into_map(self) -> BTreeMap<String, Value> {
        self.items
    }
}

impl PartialEq for Fields {
    fn eq(&self, other: &Fields) -> bool {
        self.items == other.items
    }
}

impl Deref for Fields {
    type Target = BTreeMap<String, Value>;
    fn deref(&self) -> &BTreeMap<String, Value> {
        &self.items
    }
}

impl DerefMut for Fields {
    fn deref_mut(&mut self) -> &mut BTreeMap<String, Value> {
        &mut self.items
    }
}

/// An object: what drplan builds unless it knows the entries share a type.
impl From<BTreeMap<String, Value>> for Fields {
    fn from(items: BTreeMap<String, Value>) -> Fields {
        Fields { items, map: false }
    }
}

impl<const N: usize> From<[(String, Value); N]> for Fields {
    fn from(items: [(String, Value); N]) -> Fields {
        Fields::from(BTreeMap::from(items))
    }
}

impl FromIterator<(String, Value)> for Fields {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Fields {
        Fields::from(iter.into_iter().collect::<BTreeMap<_, _>>())
    }
}

impl IntoIterator for Fields {
    type Item = (String, Value);
    type IntoIter = std::collections::btree_map::IntoIter<String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Fields {
    type Item = (&'a String, &'a Value);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
