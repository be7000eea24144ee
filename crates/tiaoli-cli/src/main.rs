//! The `tiaoli` command. See `tiaoli --help`.

mod report;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{Args, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use tiaoli::{Augmentation, ClassBalance, ContextPass, Corpus, Drafts, FittedTagger, Split, Stage, TaggerParams};

/// Show the structure of Chinese work reports (工作总结): tag every paragraph with its
/// section type.
#[derive(Debug, Parser)]
#[command(name = "tiaoli", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Tag every paragraph (non-empty line) of a report.
    Tag(TagArgs),
    /// Train a model on labelled JSONL paragraphs.
    Train(TrainArgs),
    /// Score a model on labelled paragraphs.
    Eval(EvalArgs),
    /// Cross-validate training settings, with folds grouped by report.
    Cv(CvArgs),
    /// Show a model's metadata and the features each type relies on most.
    Inspect(InspectArgs),
}

#[derive(Debug, Args)]
struct ModelArg {
    /// Model file written by `tiaoli train` [default: the built-in model]
    #[arg(long, short, value_name = "M")]
    model: Option<PathBuf>,
}

impl ModelArg {
    fn load(&self) -> anyhow::Result<FittedTagger> {
        match &self.model {
            None => Ok(FittedTagger::default_model()),
            Some(path) => {
                let bytes = std::fs::read(path).with_context(|| format!("cannot read model {}", path.display()))?;
                FittedTagger::from_bytes(&bytes).with_context(|| format!("cannot load model {}", path.display()))
            }
        }
    }
}

/// How `tag` prints the paragraphs.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TagFormat {
    /// A readable table [default on a terminal]
    Table,
    /// One JSON array of the paragraphs
    Json,
    /// One JSON object per paragraph, a line each [default otherwise]
    Jsonl,
}

/// How `eval`, `cv` and `inspect` print what they found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable tables
    Table,
    /// One JSON object
    Json,
}

#[derive(Debug, Args)]
struct FormatArg {
    /// Output format
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    format: Format,
}

impl FormatArg {
    /// `value` as one line of JSON, or `table` writing the readable form.
    fn print<W: Write, T: serde::Serialize>(
        &self,
        out: &mut W,
        value: impl FnOnce() -> T,
        table: impl FnOnce(&mut W) -> io::Result<()>,
    ) -> anyhow::Result<()> {
        match self.format {
            Format::Json => {
                serde_json::to_writer(&mut *out, &value())?;
                writeln!(out)?;
            }
            Format::Table => table(out)?,
        }
        Ok(())
    }
}

#[derive(Debug, Args)]
struct TagArgs {
    #[command(flatten)]
    model: ModelArg,
    /// Output format [default: table on a terminal, jsonl otherwise]
    #[arg(long, short)]
    format: Option<TagFormat>,
    /// Also show the words and the layout and context features that decided each type
    #[arg(long)]
    explain: bool,
    /// UTF-8 text file; `-` or nothing reads standard input
    file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct DataArg {
    /// Labelled JSONL file, or a directory of them (every *.jsonl below it)
    #[arg(long, short, value_name = "FILE|DIR", required = true, num_args = 1..)]
    data: Vec<PathBuf>,
}

/// Settings shared by `train` and `cv`; the defaults are the library's.
#[derive(Debug, Args)]
struct Settings {
    /// Word n-gram lengths, e.g. `1-2`, or `none`
    #[arg(long, value_name = "MIN-MAX|none", default_value_t = NgramRange(Some(TaggerParams::DEFAULT_WORD_NGRAMS)), value_parser = parse_range)]
    word_ngrams: NgramRange,
    /// Character n-gram lengths, e.g. `1-3`, or `none`
    #[arg(long, value_name = "MIN-MAX|none", default_value_t = NgramRange(Some(TaggerParams::DEFAULT_CHAR_NGRAMS)), value_parser = parse_range)]
    char_ngrams: NgramRange,
    /// Keep terms found in at least this many paragraphs
    #[arg(long, default_value_t = TaggerParams::DEFAULT_MIN_DF)]
    min_df: usize,
    /// Keep at most this many terms (bounds training memory)
    #[arg(long, default_value_t = TaggerParams::DEFAULT_MAX_FEATURES)]
    max_features: usize,
    /// L2 regularisation strength (loss summed over paragraphs)
    #[arg(long, default_value_t = TaggerParams::DEFAULT_ALPHA)]
    alpha: f64,
    /// L-BFGS iterations at most
    #[arg(long, default_value_t = TaggerParams::DEFAULT_MAX_ITERATIONS)]
    max_iterations: u64,
    /// How to make up for rare types
    #[arg(long, value_enum, default_value_t = TaggerParams::DEFAULT_CLASS_BALANCE)]
    class_balance: ClassBalance,
    /// With oversampling, the most times one paragraph is repeated
    #[arg(long, default_value_t = TaggerParams::DEFAULT_MAX_OVERSAMPLE)]
    max_oversample: usize,
    /// Tag paragraphs in the context of their document (layout, neighbours, headings)
    #[arg(long, value_enum, default_value_t = TaggerParams::DEFAULT_CONTEXT)]
    context: ContextPass,
    /// L2 regularisation of the context pass
    #[arg(long, default_value_t = TaggerParams::DEFAULT_CONTEXT_ALPHA)]
    context_alpha: f64,
    /// Rounds of the context pass (each reads the previous round's view of the neighbours)
    #[arg(long, default_value_t = TaggerParams::DEFAULT_CONTEXT_ROUNDS)]
    context_rounds: usize,
    /// Grouped folds for the out-of-fold scores the context pass learns from
    #[arg(long, default_value_t = TaggerParams::DEFAULT_INNER_FOLDS)]
    inner_folds: usize,
    /// Also learn from copies of every report restyled as people write drafts
    #[arg(long, value_enum, default_value_t = TaggerParams::DEFAULT_AUGMENTATION)]
    augment: Augmentation,
}

#[derive(Debug, Clone, Copy)]
struct NgramRange(Option<(u8, u8)>);

impl std::fmt::Display for NgramRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            None => f.write_str("none"),
            Some((lo, hi)) => write!(f, "{lo}-{hi}"),
        }
    }
}

fn parse_range(s: &str) -> Result<NgramRange, String> {
    if s == "none" {
        return Ok(NgramRange(None));
    }
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let parse = |v: &str| v.trim().parse::<u8>().map_err(|_| format!("expected MIN-MAX like 1-3 or `none`, got {s:?}"));
    Ok(NgramRange(Some((parse(lo)?, parse(hi)?))))
}

impl Settings {
    fn params(&self) -> TaggerParams {
        TaggerParams::default()
            .word_ngrams(self.word_ngrams.0)
            .char_ngrams(self.char_ngrams.0)
            .min_df(self.min_df)
            .max_features(self.max_features)
            .alpha(self.alpha)
            .max_iterations(self.max_iterations)
            .class_balance(self.class_balance)
            .max_oversample(self.max_oversample)
            .context(self.context)
            .context_alpha(self.context_alpha)
            .context_rounds(self.context_rounds)
            .inner_folds(self.inner_folds)
            .augmentation(self.augment)
    }
}

#[derive(Debug, Args)]
struct TrainArgs {
    #[command(flatten)]
    data: DataArg,
    /// Where to write the model
    #[arg(long, short, value_name = "M")]
    out: PathBuf,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Args)]
struct EvalArgs {
    #[command(flatten)]
    model: ModelArg,
    #[command(flatten)]
    data: DataArg,
    #[command(flatten)]
    output: FormatArg,
}

/// What each fold of `cv` holds out.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum FoldUnit {
    /// Whole reports (`group`), spread over --folds folds
    Report,
    /// One sector (`sector`) per fold: how the model does on a sector it never saw
    Sector,
    /// One genre (`genre`) per fold: how the model does on a kind of report it never saw
    Genre,
}

#[derive(Debug, Args)]
struct CvArgs {
    #[command(flatten)]
    data: DataArg,
    /// What each fold holds out
    #[arg(long, value_enum, default_value_t = FoldUnit::Report)]
    by: FoldUnit,
    /// Number of folds (with --by report)
    #[arg(long, short = 'k', default_value_t = 5)]
    folds: usize,
    /// Seed for the order of equal-sized groups when folds are assigned
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// More labelled JSONL files or directories that every fold also trains on (never
    /// tested on): score a small corpus on its own folds while a larger one helps training
    #[arg(long, value_name = "PATH", num_args = 1..)]
    train_also: Vec<PathBuf>,
    /// Also score the held-out reports as drafts: each cut after 3, 5, 8, 12 and 20
    /// paragraphs and tagged alone
    #[arg(long)]
    drafts: bool,
    #[command(flatten)]
    output: FormatArg,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Args)]
struct InspectArgs {
    #[command(flatten)]
    model: ModelArg,
    /// Features to show per type
    #[arg(long, default_value_t = 12)]
    top: usize,
    #[command(flatten)]
    output: FormatArg,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // A closed pipe (`tiaoli tag | head`) is not an error worth reporting.
            if err.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    match cli.command {
        Command::Tag(args) => tag(args, &mut out)?,
        Command::Train(args) => train(args, &mut out)?,
        Command::Eval(args) => eval(args, &mut out)?,
        Command::Cv(args) => cv(args, &mut out)?,
        Command::Inspect(args) => inspect(args, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

fn eval(args: EvalArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let tagger = args.model.load()?;
    let corpus = Corpus::load(&args.data.data)?;
    let scored = tiaoli::evaluate(&tagger, &corpus);
    args.output.print(out, || &scored, |out| report::write_scored(out, &scored))
}

fn cv(args: CvArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let corpus = Corpus::load(&args.data.data)?;
    let train_also = if args.train_also.is_empty() { None } else { Some(Corpus::load(&args.train_also)?) };
    let params = args.settings.params();
    let split = match args.by {
        FoldUnit::Report => Split::Reports { folds: args.folds, seed: args.seed },
        FoldUnit::Sector => Split::Sectors,
        FoldUnit::Genre => Split::Genres,
    };
    let folds = tiaoli::fold_count(&corpus, &split);
    let drafts = if args.drafts { Drafts::Score } else { Drafts::Skip };
    let bar = progress_bar(folds * STAGES);
    let started = Instant::now();
    let progress = |fold: usize, stage: Stage| {
        bar.set_position((fold * STAGES + stage_index(stage)) as u64);
        bar.set_message(format!("fold {}/{folds}: {}", fold + 1, stage.describe()));
    };
    let cv =
        tiaoli::cross_validate(&params, &corpus, &split, train_also.as_ref(), drafts, progress).map_err(|err| {
            match err {
                // The library names no flags; this is the one that sets the folds.
                tiaoli::Error::TooFewGroups { .. } => anyhow::anyhow!("{err} (--folds)"),
                err => err.into(),
            }
        })?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    args.output.print(
        out,
        || report::cv_json(&cv, &corpus, args.seed, &args.train_also, elapsed),
        |out| report::write_cv(out, &cv, &corpus, train_also.as_ref()),
    )
}

fn inspect(args: InspectArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let tagger = args.model.load()?;
    args.output.print(
        out,
        || report::inspect_json(&tagger, args.top),
        |out| report::write_inspect(out, &tagger, args.top),
    )
}

fn tag(args: TagArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let tagger = args.model.load()?;
    let (name, bytes) = match args.file.as_deref() {
        None => ("<stdin>".into(), read_stdin()?),
        Some(p) if p == Path::new("-") => ("<stdin>".into(), read_stdin()?),
        Some(p) => (p.display().to_string(), std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?),
    };
    let text = tiaoli::decode_utf8(&bytes, name)?;
    let paragraphs: Vec<tiaoli::Paragraph<'_>> = tiaoli::paragraphs(text).collect();
    let texts: Vec<&str> = paragraphs.iter().map(|p| p.text).collect();
    let (predictions, explanations): (Vec<_>, Vec<_>) = if args.explain {
        tagger.explain(&texts, EXPLAIN_TOP).into_iter().map(|(p, e)| (p, Some(e))).unzip()
    } else {
        tagger.classify(&texts).into_iter().map(|p| (p, None)).unzip()
    };
    let tagged: Vec<report::Row<'_>> = paragraphs
        .iter()
        .zip(predictions)
        .zip(explanations)
        .map(|((paragraph, prediction), explanation)| report::Row { paragraph, prediction, explanation })
        .collect();
    let format = args.format.unwrap_or(if io::stdout().is_terminal() { TagFormat::Table } else { TagFormat::Jsonl });
    match format {
        TagFormat::Json => report::write_json(out, &tagger, &tagged)?,
        TagFormat::Jsonl => report::write_jsonl(out, &tagger, &tagged)?,
        TagFormat::Table => report::write_table(out, &tagged)?,
    }
    Ok(())
}

/// Words and context features shown per paragraph with `--explain`.
const EXPLAIN_TOP: usize = 4;

fn read_stdin() -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    io::stdin().lock().read_to_end(&mut bytes).context("cannot read standard input")?;
    Ok(bytes)
}

fn train(args: TrainArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let dir = match args.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        bail!("cannot write {}: directory {} does not exist", args.out.display(), dir.display());
    }
    let params = args.settings.params();
    let corpus = Corpus::load(&args.data.data)?;
    let bar = progress_bar(STAGES);
    let started = Instant::now();
    let tagger = params.fit_with_progress(&corpus, |stage: Stage| {
        bar.set_position(stage_index(stage) as u64);
        bar.set_message(stage.describe());
    })?;
    bar.finish_and_clear();
    let bytes = tagger.to_bytes();
    // Write beside the target and rename, so a failure never leaves a half-written model.
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(&bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    tmp.persist(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    let info = tagger.info();
    writeln!(
        out,
        "wrote {} ({} bytes): {} paragraphs, {} labels, {} terms, {:.1}s",
        args.out.display(),
        bytes.len(),
        corpus.len(),
        info.labels.len(),
        info.vocabulary_size,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

const STAGES: usize = Stage::ALL.len();

fn stage_index(stage: Stage) -> usize {
    Stage::ALL.iter().position(|&s| s == stage).unwrap_or(0)
}

/// A bar over training stages on standard error; invisible when standard error is not a
/// terminal.
fn progress_bar(stages: usize) -> ProgressBar {
    let bar = ProgressBar::new(stages as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed}] [{bar:20}] {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(100));
    bar
}
