//! The ceiling for tagging throughput on this machine: jieba-rs segmentation alone.
//!
//! Reads a UTF-8 text file and cuts every non-empty line (one paragraph) with jieba-rs and its
//! default dictionary, without the HMM for unknown words: the cut tiaoli reproduces (with its own
//! trie, `src/features/lexicon.rs`) before it can weigh a single word. `make bench` reports tiaoli's
//! throughput as a share of it.
//! Prints one JSON object: the best of `--runs` timed passes over the file.
//!
//! ```sh
//! cargo run --release --locked -p tiaoli --features train --example segment_ceiling -- FILE [--runs N]
//! ```

use std::io::Write;
use std::time::Instant;

use jieba_rs::Jieba;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut path = None;
    let mut runs = 5_usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--runs" => runs = args.next().ok_or("--runs needs a number")?.parse()?,
            _ if path.is_none() => path = Some(arg),
            _ => return Err(format!("unexpected argument {arg}").into()),
        }
    }
    let path = path.ok_or("usage: segment_ceiling FILE [--runs N]")?;
    let text = std::fs::read_to_string(&path)?;
    let paragraphs: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let chars: usize = paragraphs.iter().map(|p| p.chars().count()).sum();

    let start = Instant::now();
    let jieba = Jieba::new();
    let load_seconds = start.elapsed().as_secs_f64();

    let mut best = f64::INFINITY;
    let mut words = 0_usize;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        words = 0;
        for paragraph in &paragraphs {
            words += jieba.cut(paragraph, false).len();
        }
        best = best.min(start.elapsed().as_secs_f64());
    }

    let n = paragraphs.len() as f64;
    writeln!(
        std::io::stdout().lock(),
        "{{\"paragraphs\":{},\"chars\":{chars},\"words\":{words},\"runs\":{runs},\"load_seconds\":{load_seconds:.6},\
         \"cut_seconds\":{best:.6},\"paragraphs_per_second\":{:.1},\"paragraphs_per_second_with_load\":{:.1}}}",
        paragraphs.len(),
        n / best,
        n / (best + load_seconds),
    )?;
    Ok(())
}
