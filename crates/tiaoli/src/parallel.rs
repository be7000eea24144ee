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

/// Inputs shorter than this many paragraphs are tagged on one thread: a report has a few
/// dozen, and starting threads would cost more than it saves.
const PARALLEL_FROM: usize = 4096;

/// How many threads tagging uses for `n` paragraphs: one below [`PARALLEL_FROM`] and in the
/// browser; otherwise [`threads`].
fn tagging_threads(n: usize) -> usize {
    if cfg!(target_arch = "wasm32") || n < PARALLEL_FROM {
        return 1;
    }
    threads()
}

/// The threads tagging and training may use: the machine's cores, or `TIAOLI_THREADS` if set
/// to a number (as `RAYON_NUM_THREADS` works for tokenizers), from 1 to 64.
pub(crate) fn threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    std::env::var("TIAOLI_THREADS").ok().and_then(|v| v.parse().ok()).unwrap_or(cores).clamp(1, 64)
}

/// `f` over `items` cut into consecutive parts, on the threads [`tagging_threads`] allows,
/// results in item order. `f` maps a part to one result per item, so the result does not
/// depend on how the items were split.
pub(crate) fn split_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> Vec<R> + Sync) -> Vec<R> {
    // Parts much smaller than a thread's share, taken as threads get free: with one part per
    // thread, the thread that drew the longer paragraphs kept the other waiting.
    const PART: usize = 1024;
    let threads = tagging_threads(items.len());
    if threads <= 1 {
        return f(items);
    }
    let parts: Vec<&[T]> = items.chunks(PART).collect();
    let done = map(&parts, threads, |part| f(part));
    // Nothing here panics on input; should a part fail anyway, it is redone here.
    done.into_iter().zip(&parts).flat_map(|(result, part)| result.unwrap_or_else(|| f(part))).collect()
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
