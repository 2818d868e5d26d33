//! ListJobs pages kept from one poll to the next, like DescribeJobs' details
//! (`jobs::described`): scripts and the console poll a queue's jobs in one state, and most
//! polls find the page unchanged. A kept page is answered after one statement reads its
//! `ListingStamp` again and finds it equal to the one it was read with (exact: see the stamp).
//! Only the plain listing is kept: a queue, one state, no name, definition or time filters, at
//! most `KEPT_PAGE_SIZE` jobs a page.

use crate::store::listing::ListingStamp;
use domain::views::{JobSummary, Page};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Pages kept at most; past it the oldest half goes. With at most `KEPT_PAGE_SIZE` jobs a page,
/// 20,000 summaries (~10 MB): a page per state for 32 clients of six queues.
const KEPT_AT_MOST: usize = 200;
/// The largest page kept: what pollers ask for (the console and boto3's default is 100); a
/// reader paging through a whole queue a thousand at a time is not polling.
pub(crate) const KEPT_PAGE_SIZE: u64 = 100;

/// Which page: a queue, a state, a page size, where the previous page ended.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PageKey {
    pub queue_id: i32,
    pub status: &'static str,
    pub limit: u64,
    pub after: Option<(i64, String)>,
}

/// A page as it was answered, and what it was read from.
#[derive(Debug, Clone)]
pub(crate) struct KeptPage {
    pub page: Page<JobSummary>,
    pub stamp: ListingStamp,
    /// The page's last row, (created_at, id).
    pub last: Option<(i64, String)>,
    /// The attempts its summaries show, or will (job id, number): each job's current attempt,
    /// also when its row was not there yet (a claim counts the attempt before writing it).
    pub attempts: Vec<(String, i32)>,
}

#[derive(Default)]
pub(crate) struct ListedPages {
    kept: Mutex<HashMap<PageKey, (Arc<KeptPage>, u64)>>,
    clock: AtomicU64,
    /// Polls answered from memory (read by tests and benchmarks).
    pub(crate) answered: AtomicU64,
}

impl ListedPages {
    pub(crate) fn kept(&self, key: &PageKey) -> Option<Arc<KeptPage>> {
        self.kept.lock().expect("listed pages").get(key).map(|(page, _)| page.clone())
    }

    /// The kept page, when `now` (its stamp read again) is what it was read from.
    pub(crate) fn answer(&self, kept: &KeptPage, now: ListingStamp) -> Option<Page<JobSummary>> {
        (kept.stamp == now).then(|| {
            self.answered.fetch_add(1, Ordering::Relaxed);
            kept.page.clone()
        })
    }

    pub(crate) fn keep(&self, key: PageKey, page: KeptPage) {
        let age = self.clock.fetch_add(1, Ordering::Relaxed);
        let mut kept = self.kept.lock().expect("listed pages");
        kept.insert(key, (Arc::new(page), age));
        if kept.len() > KEPT_AT_MOST {
            let mut ages: Vec<u64> = kept.values().map(|(_, age)| *age).collect();
            let (_, median, _) = ages.select_nth_unstable(KEPT_AT_MOST / 2);
            let cut = *median;
            kept.retain(|_, (_, age)| *age > cut);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{KEPT_AT_MOST, KeptPage, ListedPages, PageKey};
    use crate::store::jobs::Revisions;
    use crate::store::listing::ListingStamp;
    use domain::views::Page;

    fn key(queue_id: i32) -> PageKey {
        PageKey { queue_id, status: "RUNNING", limit: 100, after: None }
    }

    fn page(stamp: ListingStamp) -> KeptPage {
        KeptPage { page: Page { items: vec![], next_token: Some("next".into()) }, stamp, last: None, attempts: vec![] }
    }

    #[test]
    fn a_page_is_answered_only_from_the_stamp_it_was_read_with() {
        let listed = ListedPages::default();
        let read = ListingStamp {
            in_range: 3,
            beyond: true,
            revisions: Revisions { jobs: 3, job_revisions: 12, attempts: 2, attempt_revisions: 4 },
        };
        listed.keep(key(1), page(read));
        let kept = || listed.kept(&key(1)).unwrap();
        assert_eq!(listed.answer(&kept(), read).unwrap().next_token.as_deref(), Some("next"));
        // Any part changed: read afresh.
        let changes = [
            ListingStamp { in_range: 4, ..read },
            ListingStamp { beyond: false, ..read },
            ListingStamp { revisions: Revisions { job_revisions: 13, ..read.revisions }, ..read },
            ListingStamp { revisions: Revisions { attempts: 1, ..read.revisions }, ..read },
            ListingStamp { revisions: Revisions { attempt_revisions: 5, ..read.revisions }, ..read },
        ];
        for now in changes {
            assert!(listed.answer(&kept(), now).is_none(), "{now:?}");
        }
        assert_eq!(listed.answered.load(std::sync::atomic::Ordering::Relaxed), 1);
        assert!(listed.kept(&key(2)).is_none());
        assert!(listed.kept(&PageKey { limit: 10, ..key(1) }).is_none());
    }

    #[test]
    fn past_the_bound_the_oldest_half_goes() {
        let listed = ListedPages::default();
        for queue in 0..=KEPT_AT_MOST as i32 {
            listed.keep(key(queue), page(ListingStamp::default()));
        }
        assert!(listed.kept(&key(0)).is_none());
        assert!(listed.kept(&key(KEPT_AT_MOST as i32)).is_some());
        assert!(listed.kept.lock().unwrap().len() <= KEPT_AT_MOST / 2 + 1);
    }
}
