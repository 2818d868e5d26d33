use super::{Subject, subjects};
use proptest::prelude::*;

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
        subjects(moved),
        vec![Subject::Job("lone".into()), Subject::Job("parent".into()), children("a", 1, 3), children("a", 7, 7), children("b", 2, 2)]
    );
}

proptest! {
    /// Any subset of 0..200 in any order: the runs cover exactly the subset, without overlap.
    #[test]
    fn every_child_is_covered_once(picked in prop::sample::subsequence((0..200).collect::<Vec<i32>>(), 0..=200).prop_shuffle()) {
        let ids: Vec<String> = picked.iter().map(|i| format!("p:{i}")).collect();
        let found = subjects(ids.iter().zip(&picked).map(|(id, i)| (id.as_str(), Some("p"), Some(*i))));
        let mut covered: Vec<i32> = found
            .iter()
            .flat_map(|s| match s {
                Subject::Children { first, last, .. } => *first..=*last,
                Subject::Job(_) => panic!("a child recorded alone"),
            })
            .collect();
        let mut picked = picked;
        picked.sort();
        covered.sort();
        prop_assert_eq!(covered, picked);
    }
}
