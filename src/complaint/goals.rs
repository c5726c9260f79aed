//! The service goals of the complaint log: how long complaints take to resolve, the share
//! resolved within the target (10 hours unless configured), the share of customers satisfied
//! at follow-up, and the follow-ups overdue.

use chrono::{Duration, NaiveDateTime};
use serde::Serialize;

use super::model::Timing;

/// The goals as the API and the page show them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Goals {
    /// Complaints logged.
    pub complaints: usize,
    /// Complaints with a resolution time.
    pub resolved: usize,
    /// The median time from receipt to resolution, in hours; null before the first is resolved.
    pub median_hours_to_resolve: Option<f64>,
    /// Of the complaints resolved, or past the target without being resolved, the share
    /// resolved within `target_hours`; null when there are none yet.
    pub resolved_within_target_share: Option<f64>,
    /// Of the follow-ups done with an answer, the share where the customer was satisfied.
    pub satisfied_share: Option<f64>,
    /// Follow-ups whose time has passed and that are not done.
    pub follow_ups_overdue: usize,
    pub target_hours: u32,
}

fn hours(d: Duration) -> f64 {
    d.num_seconds() as f64 / 3600.0
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// Rounded to what a person reads: hours to one decimal, shares to three.
fn round(value: f64, places: i32) -> f64 {
    let scale = 10f64.powi(places);
    (value * scale).round() / scale
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| round(part as f64 / whole as f64, 3))
}

/// The goals over `timings` as of `now`.
pub fn compute(timings: &[Timing], target_hours: u32, now: NaiveDateTime) -> Goals {
    let target = Duration::hours(i64::from(target_hours));
    let taken: Vec<f64> = timings
        .iter()
        .filter_map(|t| t.resolved_at.map(|at| hours(at - t.received_at)))
        .collect();
    let judged: Vec<&Timing> = timings
        .iter()
        .filter(|t| t.resolved_at.is_some() || now - t.received_at > target)
        .collect();
    let in_time = judged
        .iter()
        .filter(|t| t.resolved_at.is_some_and(|at| at - t.received_at <= target))
        .count();
    let answered: Vec<bool> = timings
        .iter()
        .filter(|t| t.followed_up_at.is_some())
        .filter_map(|t| t.satisfied)
        .collect();
    Goals {
        complaints: timings.len(),
        resolved: taken.len(),
        median_hours_to_resolve: median(taken).map(|h| round(h, 1)),
        resolved_within_target_share: share(in_time, judged.len()),
        satisfied_share: share(answered.iter().filter(|s| **s).count(), answered.len()),
        follow_ups_overdue: timings
            .iter()
            .filter(|t| t.followed_up_at.is_none() && t.follow_up_at.is_some_and(|at| at <= now))
            .count(),
        target_hours,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> NaiveDateTime {
        chrono::DateTime::from_timestamp(1_800_000_000 + hours * 3600, 0)
            .expect("time")
            .naive_utc()
    }

    fn timing(received: i64, resolved: Option<i64>) -> Timing {
        Timing {
            received_at: at(received),
            resolved_at: resolved.map(at),
            follow_up_at: None,
            followed_up_at: None,
            satisfied: None,
        }
    }

    #[test]
    fn resolution_within_the_target_is_judged_once_it_is_known() {
        let now = at(100);
        let timings = [
            timing(0, Some(4)),   // 4 h: in time
            timing(0, Some(12)),  // 12 h: late
            timing(0, None),      // open for 100 h: late
            timing(95, None),     // open for 5 h: not judged yet
            timing(10, Some(16)), // 6 h: in time
        ];
        let goals = compute(&timings, 10, now);
        assert_eq!(goals.complaints, 5);
        assert_eq!(goals.resolved, 3);
        assert_eq!(goals.median_hours_to_resolve, Some(6.0));
        assert_eq!(goals.resolved_within_target_share, Some(0.5));
        assert_eq!(goals.target_hours, 10);
    }

    #[test]
    fn satisfaction_counts_follow_ups_with_an_answer() {
        let now = at(1000);
        let mut done = timing(0, Some(1));
        done.follow_up_at = Some(at(720));
        done.followed_up_at = Some(at(721));
        let (mut yes, mut no, mut unanswered, mut overdue) = (done, done, done, timing(0, Some(1)));
        yes.satisfied = Some(true);
        no.satisfied = Some(false);
        unanswered.satisfied = None;
        overdue.follow_up_at = Some(at(720));
        let goals = compute(&[yes, yes, no, unanswered, overdue], 10, now);
        assert_eq!(goals.satisfied_share, Some(0.667));
        assert_eq!(goals.follow_ups_overdue, 1);
    }

    #[test]
    fn an_empty_log_has_no_shares() {
        let goals = compute(&[], 10, at(0));
        assert_eq!(goals.median_hours_to_resolve, None);
        assert_eq!(goals.resolved_within_target_share, None);
        assert_eq!(goals.satisfied_share, None);
    }
}
