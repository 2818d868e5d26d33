//! What a status-history row is about (ARCHITECTURE.md §2): one job, or a run of consecutive
//! children of one array job that moved together. A 10,000-child array that starts in one pass
//! writes one row per run of children, not one per child.

/// The subject of one history row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Job(String),
    /// The children `first..=last` of the array job `parent`.
    Children {
        parent: String,
        first: i32,
        last: i32,
    },
}

/// The history subjects of one move of `moved` jobs, given as (id, array parent, array index):
/// each run of consecutive children of one array is one subject; every other job is its own.
pub fn subjects<'a>(moved: impl IntoIterator<Item = (&'a str, Option<&'a str>, Option<i32>)>) -> Vec<Subject> {
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

#[cfg(test)]
mod tests;
