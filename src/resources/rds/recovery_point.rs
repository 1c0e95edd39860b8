//! How old the data a database recovered by `aws_db_instance` is, by recovery path: a
//! point-in-time restore (the source's, or its replicated backups', latest restorable time),
//! a snapshot (its creation time, following a snapshot copy made in the same plan), or a read
//! replica (its declared lag). Offline, "now" is the live snapshot's capture time.

use crate::eval::Value;
use crate::live::Inventory;
use crate::resources::{RecoveryPoint, RecoveryPointQuery};

/// The recovery point of one `aws_db_instance`; `None` for one that exists and recovers
/// nothing (it is not a recovery), empty for one a create makes from nothing.
pub(super) fn estimate(q: &RecoveryPointQuery) -> Option<RecoveryPoint> {
    let (c, now, inv) = (q.config, q.now, q.inventory);
    let (seconds, source) =
        if let Some(pitr) = c.get("restore_to_point_in_time").and_then(Value::as_seq).and_then(|s| s.first()) {
            pitr_rpo(pitr, now, inv)
        } else if c.get("replicate_source_db").is_some_and(|v| !v.is_null()) {
            // Before the snapshot path: a replica's computed snapshot_identifier is unknown, not
            // a snapshot it restores from.
            match q.replica_lag {
                Some(lag) => (Some(lag), "read replica: declared replica_lag".to_string()),
                None => (
                    None,
                    "read replica: replication lag is not in the live state; declare recovery.replica_lag".to_string(),
                ),
            }
        } else if let Some(snapshot) = c
            .get("snapshot_identifier")
            .filter(|v| !v.is_null() && (v.is_wholly_known() || q.written.contains("snapshot_identifier")))
        {
            snapshot_rpo(snapshot, q)
        } else if q.live.and_then(|l| l.attr_str("replicate_source_db")).is_some_and(|s| !s.is_empty()) {
            // A replica promoted (failover): it holds what had replicated when it stopped.
            match q.replica_lag {
                Some(lag) => (Some(lag), "read replica promoted: declared replica_lag".to_string()),
                None => (
                    None,
                    "read replica promoted: replication lag is not in the live state; declare recovery.replica_lag"
                        .to_string(),
                ),
            }
        } else if q.live.is_none() {
            let source = "created empty: no replica to promote, no snapshot, no point-in-time restore";
            return Some(RecoveryPoint { seconds: None, source: source.into(), empty: true });
        } else {
            return None;
        };
    Some(RecoveryPoint::aged(seconds, source))
}

fn age(now: Option<i64>, then: &str) -> Option<u64> {
    Some((now? - crate::timefmt::epoch_seconds(then)?).max(0) as u64)
}

fn known_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str)
}

fn pitr_rpo(pitr: &Value, now: Option<i64>, inv: &Inventory) -> (Option<u64>, String) {
    if let Some(t) = known_str(pitr.get("restore_time")) {
        return (age(now, t), format!("point-in-time restore to restore_time {t}"));
    }
    if let Some(arn) = known_str(pitr.get("source_db_instance_automated_backups_arn")) {
        let backups = inv
            .objects()
            .iter()
            .find(|o| o.ty == "aws_db_instance_automated_backups" && o.attr_str("arn") == Some(arn));
        return match backups.and_then(|b| b.attr_str("restore_window_latest_time").map(|t| (b, t))) {
            Some((b, t)) => (
                age(now, t),
                format!(
                    "latest restorable time {t} of the replicated backups of {} in {}",
                    b.attr_str("db_instance_identifier").unwrap_or("?"),
                    b.region
                ),
            ),
            None => (None, format!("the replicated automated backups {arn} are not in the live state")),
        };
    }
    let id = known_str(pitr.get("source_db_instance_identifier"));
    let resource = known_str(pitr.get("source_dbi_resource_id"));
    let source = inv.objects().iter().find(|o| {
        o.ty == super::db_instance::TYPE
            && ((id.is_some() && o.attr_str("identifier") == id)
                || (resource.is_some() && o.attr_str("resource_id") == resource))
    });
    match source.and_then(|s| s.attr_str("latest_restorable_time").map(|t| (s, t))) {
        Some((s, t)) => (
            age(now, t),
            format!("latest restorable time {t} of {} in {}", s.attr_str("identifier").unwrap_or("?"), s.region),
        ),
        None => (None, "the point-in-time restore source is not in the live state".to_string()),
    }
}

fn snapshot_rpo(snapshot: &Value, q: &RecoveryPointQuery) -> (Option<u64>, String) {
    // A snapshot copy being made in this plan: the data is as old as the copy's source.
    let wanted = match snapshot.as_str() {
        Some(s) => Some(s.to_string()),
        None => q
            .deps
            .iter()
            .find(|(ty, _)| *ty == super::snapshot_copy::TYPE)
            .or_else(|| q.all.iter().find(|(ty, _)| *ty == super::snapshot_copy::TYPE))
            .and_then(|(_, copy)| known_str(copy.get("source_db_snapshot_identifier")).map(str::to_string)),
    };
    let Some(wanted) = wanted else {
        return (None, "the snapshot it restores from is not known at plan time".to_string());
    };
    let (now, inv) = (q.now, q.inventory);
    let snap = inv.objects().iter().find(|o| {
        (o.ty == "aws_db_snapshot" || o.ty == super::snapshot_copy::TYPE)
            && (o.attr_str("db_snapshot_arn") == Some(wanted.as_str())
                || o.id == wanted
                || wanted.rsplit(':').next() == Some(o.id.as_str()))
    });
    let time = snap.and_then(|s| {
        s.attr_str("original_snapshot_create_time").or(s.attr_str("snapshot_create_time")).map(|t| (s, t))
    });
    match time {
        Some((s, t)) => (age(now, t), format!("snapshot {} created {t}", s.id)),
        None => (None, format!("snapshot {wanted} is not in the live state")),
    }
}
