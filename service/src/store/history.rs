//! Status history rows (ARCHITECTURE.md §2): written only by the transition function and by
//! submission, one row per subject (`domain::history::Subject`) and entered state.

use super::entities::{job_status_history as history, jobs};
use domain::history::Subject;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Set};

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

/// Which history rows are about an array job and its children: its own, its runs of
/// children, and each child's own (the children found by their parent, an index lookup).
pub(crate) fn history_of_array(array_id: &str) -> Condition {
    let children =
        jobs::Entity::find().select_only().column(jobs::Column::Id).filter(jobs::Column::ArrayParentId.eq(array_id)).into_query();
    Condition::any().add(history::Column::JobId.eq(array_id)).add(history::Column::JobId.in_subquery(children))
}

/// Which history rows are about `job_id`: its own, and for an array child (`child` = its array
/// job and index) the runs of its array that cover it.
pub(crate) fn history_of(job_id: &str, child: Option<(&str, i32)>) -> Condition {
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
