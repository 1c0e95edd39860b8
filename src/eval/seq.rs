//! The elements of a [`Value::List`](super::Value::List), and whether they are a cty *list*
//! (one element type, as `tolist`, a `list(...)` constraint or a provider's list attribute
//! makes them) or a *tuple* (a literal `[...]`, a `for` expression).
//!
//! The difference shows only where Terraform unifies types: `concat` of lists converts their
//! elements to one type (`concat(tolist([1]), tolist(["a"]))` is `["1", "a"]`), of tuples it
//! does not. Equality of values ([`PartialEq`]) ignores it: a plan compares what was configured
//! with what was read, whichever way each was built.

use std::ops::{Deref, DerefMut};

use super::value::Value;

#[derive(Clone, Debug, Default)]
pub struct Seq {
    pub items: Vec<Value>,
    list: bool,
}

impl Seq {
    /// Elements known to share one type: a cty list.
    pub fn list(items: Vec<Value>) -> Seq {
        Seq { items, list: true }
    }

    /// Whether this is a cty list rather than a tuple.
    pub fn is_list(&self) -> bool {
        self.list
    }

    pub fn into_vec(self) -> Vec<Value> {
        self.items
    }
}

impl PartialEq for Seq {
    fn eq(&self, other: &Seq) -> bool {
        self.items == other.items
    }
}

impl Deref for Seq {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.items
    }
}

impl DerefMut for Seq {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.items
    }
}

/// A tuple: what drplan builds unless it knows the elements share a type.
impl From<Vec<Value>> for Seq {
    fn from(items: Vec<Value>) -> Seq {
        Seq { items, list: false }
    }
}

impl FromIterator<Value> for Seq {
    fn from_iter<I: IntoIterator<Item = Value>>(iter: I) -> Seq {
        Seq::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl IntoIterator for Seq {
    type Item = Value;
    type IntoIter = std::vec::IntoIter<Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Seq {
    type Item = &'a Value;
    type IntoIter = std::slice::Iter<'a, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}
