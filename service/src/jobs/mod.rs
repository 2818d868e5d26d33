//! Use cases of jobs: submit, describe, list, cancel, terminate.

mod array_children;
mod changes;
mod control;
mod query;
mod submit;

pub use changes::{BUCKET_MS, ChangeCursor, StateChanges};
pub use query::{ListJobs, LogLine, NameFilter, token_after};
pub use submit::SubmittedJob;
pub(crate) use submit::write_submitted;

use crate::store::entities::{job_status_history as history, jobs};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};

/// Rows per multi-row INSERT: under SQLite's 32,766 bound parameters at ~26 columns a row.
pub(crate) const INSERT_CHUNK: usize = 1000;

pub(crate) async fn count_jobs_in_queue(db: &impl ConnectionTrait, queue_id: i32) -> Result<u64, sea_orm::DbErr> {
    jobs::Entity::find().filter(jobs::Column::JobQueueId.eq(queue_id)).count(db).await
}

/// What one history row is about: one job, or the children `first..=last` of an array job,
/// moved together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Subject {
    Job(String),
    Children { parent: String, first: i32, last: i32 },
}

/// The history subjects of one move of `moved` jobs, given as (id, array parent, array index):
/// each run of consecutive children of one array is one subject; every other job is its own.
pub(crate) fn history_subjects<'a>(moved: impl IntoIterator<Item = (&'a str, Option<&'a str>, Option<i32>)>) -> Vec<Subject> {
    let mut subjects = Vec::new();
    let mut children: Vec<(&str, i32)> = Vec::new();
    for (id, parent, index) in moved {
        match (parent, index) {
            (Some(parent), Some(index)) => children.push((parent, index)),
            _ => subjects.push(Subject::Job(id.to_string())),
        }
    }
    children.sort_unstable();
    children.dedup();
    let mut runs: Vec<(&str, i32, i32)> = Vec::new();
    for (parent, index) in children {
        match runs.last_mut() {
            Some((run_parent, _, last)) if *run_parent == parent && *last + 1 == index => *last = index,
            _ => runs.push((parent, index, index)),
        }
    }
    subjects.extend(runs.into_iter().map(|(parent, first, last)| Subject::Children { parent: parent.to_string(), first, last }));
    subjects
}

/// Which history rows are about `job_id`: its own, and for an array child (`child` = its array
/// job and index) the runs of its array that cover it.
pub(crate) fn history_of(job_id: &str, child: Option<(&str, i32)>) -> sea_orm::Condition {
    use sea_orm::Condition;
    let own = Condition::all().add(history::Column::JobId.eq(job_id)).add(history::Column::FirstIndex.is_null());
    match child {
        None => own,
        Some((parent, index)) => Condition::any().add(own).add(
            Condition::all()
                .add(history::Column::JobId.eq(parent))
                .add(history::Column::FirstIndex.lte(index))
                .add(history::Column::LastIndex.gte(index)),
        ),
    }
}

pub(crate) fn history_row(subject: &Subject, status: &str, reason: Option<&str>, at: i64) -> history::ActiveModel {
    let (job_id, first, last) = match subject {
        Subject::Job(id) => (id.clone(), None, None),
        Subject::Children { parent, first, last } => (parent.clone(), Some(*first), Some(*last)),
    };
    history::ActiveModel {
        job_id: Set(job_id),
        first_index: Set(first),
        last_index: Set(last),
        status: Set(status.to_string()),
        reason: Set(reason.map(String::from)),
        at: Set(at),
        ..Default::default()
    }
}

/// Inserts many rows in statements of `INSERT_CHUNK` rows.
pub(crate) async fn insert_chunked<A>(db: &impl ConnectionTrait, rows: Vec<A>) -> Result<(), sea_orm::DbErr>
where
    A: sea_orm::ActiveModelTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(INSERT_CHUNK).collect();
        A::Entity::insert_many(chunk).exec_without_returning(db).await?;
    }
    Ok(())
}

/// The jobs `job_id` waits on, in the order they were recorded.
pub async fn dependencies_of(db: &impl ConnectionTrait, job_id: &str) -> Result<Vec<String>, sea_orm::DbErr> {
    use crate::store::entities::job_dependencies as deps;
    use sea_orm::QuerySelect;
    let mut rows: Vec<(String, Option<String>)> = deps::Entity::find()
        .select_only()
        .column(deps::Column::DependsOnJobId)
        .column(deps::Column::Kind)
        .filter(deps::Column::JobId.eq(job_id))
        .into_tuple()
        .all(db)
        .await?;
    // N_TO_N before SEQUENTIAL before whole-job dependencies, for a stable order.
    rows.sort_by_key(|(_, kind)| match kind.as_deref() {
        Some("N_TO_N") => 0,
        Some("SEQUENTIAL") => 1,
        _ => 2,
    });
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}

#[cfg(test)]
mod tests {
    use super::{Subject, history_subjects};
    use proptest::strategy::Strategy;

    fn children(parent: &str, first: i32, last: i32) -> Subject {
        Subject::Children { parent: parent.into(), first, last }
    }

    #[test]
    fn runs_of_consecutive_children_share_a_subject() {
        let moved = [
            ("a:3", Some("a"), Some(3)),
            ("lone", None, None),
            ("a:1", Some("a"), Some(1)),
            ("a:2", Some("a"), Some(2)),
            ("b:2", Some("b"), Some(2)),
            ("a:7", Some("a"), Some(7)),
            ("parent", None, None),
        ];
        assert_eq!(
            history_subjects(moved),
            vec![Subject::Job("lone".into()), Subject::Job("parent".into()), children("a", 1, 3), children("a", 7, 7), children("b", 2, 2)]
        );
    }

    proptest::proptest! {
        /// Any subset of 0..200 in any order: the runs cover exactly the subset, without overlap.
        #[test]
        fn every_child_is_covered_once(picked in proptest::sample::subsequence((0..200).collect::<Vec<i32>>(), 0..=200).prop_shuffle()) {
            let ids: Vec<String> = picked.iter().map(|i| format!("p:{i}")).collect();
            let subjects = history_subjects(ids.iter().zip(&picked).map(|(id, i)| (id.as_str(), Some("p"), Some(*i))));
            let mut covered: Vec<i32> = subjects
                .iter()
                .flat_map(|s| match s {
                    Subject::Children { first, last, .. } => *first..=*last,
                    Subject::Job(_) => panic!("a child recorded alone"),
                })
                .collect();
            let mut picked = picked;
            picked.sort();
            covered.sort();
            proptest::prop_assert_eq!(covered, picked);
        }
    }
}
