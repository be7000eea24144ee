//! Work split over the machine's cores with scoped threads, results in input order, so what
//! comes out never depends on how many threads there were or which finished first.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` of every item, in item order, on up to `threads` threads that take the next item as
/// they get free (so one slow item does not hold the others up). `None` for the items a
/// thread had done when `f` panicked on one: the caller redoes them or reports the failure.
pub(crate) fn map<T: Sync, R: Send>(items: &[T], threads: usize, f: impl Fn(&T) -> R + Sync) -> Vec<Option<R>> {
    let threads = threads.min(items.len()).max(1);
    let next = AtomicUsize::new(0);
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break done };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        for worker in workers {
            // A panicking worker leaves its slots empty.
            for (i, result) in worker.join().unwrap_or_default() {
                slots[i] = Some(result);
            }
        }
    });
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_input_order_whatever_the_threads() {
        let items: Vec<u64> = (0..1000).collect();
        for threads in [1, 2, 3, 8] {
            let squares = map(&items, threads, |&x| x * x);
            assert_eq!(squares, items.iter().map(|&x| Some(x * x)).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panic_empties_its_threads_slots_and_leaves_the_others() {
        let items: Vec<u32> = (0..50).collect();
        let out = map(&items, 2, |&x| {
            assert!(x != 7, "seven");
            x
        });
        assert_eq!(out[7], None);
        for (i, slot) in out.iter().enumerate() {
            assert!(slot.is_none_or(|x| x as usize == i));
        }
        // The other thread carries on to the end.
        assert!(out[8..].iter().any(Option::is_some));
    }
}
