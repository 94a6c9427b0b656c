//! Dependencies between monitors (`depends_on`): while a monitor another depends on is
//! down, the dependant's `down` alerts are suppressed (one router failure is one message,
//! not three hundred). The graph must stay acyclic.

use std::collections::{HashMap, HashSet};

use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect};
use uuid::Uuid;

use crate::db::entities::monitor;
use crate::error::{Error, FieldErrors, Result};

/// Checks `monitor`'s new dependencies: each must exist and be another monitor, and none
/// may lead back to `monitor`. Errors name `depends_on[i]`, or `depends_on` for a cycle.
pub async fn check(db: &impl ConnectionTrait, monitor: Uuid, parents: &[Uuid]) -> Result<()> {
    let rows: Vec<(Uuid, String, serde_json::Value)> = monitor::Entity::find()
        .select_only()
        .column(monitor::Column::Id)
        .column(monitor::Column::Name)
        .column(monitor::Column::DependsOn)
        .into_tuple()
        .all(db)
        .await?;
    let names: HashMap<Uuid, String> = rows
        .iter()
        .map(|(id, name, _)| (*id, name.clone()))
        .collect();
    let mut graph: HashMap<Uuid, Vec<Uuid>> = rows
        .into_iter()
        .map(|(id, _, deps)| (id, serde_json::from_value(deps).unwrap_or_default()))
        .collect();
    let mut errors = FieldErrors::new();
    for (i, parent) in parents.iter().enumerate() {
        if *parent == monitor {
            errors.insert(
                format!("depends_on[{i}]"),
                "a monitor cannot depend on itself".into(),
            );
        } else if !names.contains_key(parent) {
            errors.insert(format!("depends_on[{i}]"), "no such monitor".into());
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    graph.insert(monitor, parents.to_vec());
    if let Some(path) = cycle_through(&graph, monitor) {
        let named: Vec<String> = path
            .iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect();
        return Err(Error::field(
            "depends_on",
            format!("would make a cycle: {}", named.join(" → ")),
        ));
    }
    Ok(())
}

/// A path from `start` back to itself, if the graph has one.
fn cycle_through(graph: &HashMap<Uuid, Vec<Uuid>>, start: Uuid) -> Option<Vec<Uuid>> {
    let mut stack: Vec<(Uuid, Vec<Uuid>)> = vec![(start, vec![start])];
    let mut seen: HashSet<Uuid> = HashSet::new();
    while let Some((node, path)) = stack.pop() {
        for next in graph.get(&node).into_iter().flatten() {
            if *next == start {
                let mut cycle = path.clone();
                cycle.push(start);
                return Some(cycle);
            }
            if seen.insert(*next) {
                let mut longer = path.clone();
                longer.push(*next);
                stack.push((*next, longer));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_with_their_path() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let graph = HashMap::from([(a, vec![b]), (b, vec![c]), (c, vec![])]);
        assert_eq!(cycle_through(&graph, a), None);
        let graph = HashMap::from([(a, vec![b]), (b, vec![c]), (c, vec![a])]);
        assert_eq!(cycle_through(&graph, a), Some(vec![a, b, c, a]));
    }
}
