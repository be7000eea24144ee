//! Precision, recall, F1 and the confusion matrix; how well confidence matches accuracy.

use crate::label::Label;

/// Scores for one label. Serialised without the label, the key an [`Evaluation`] lists it
/// under.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClassMetrics {
    /// The label.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub label: Label,
    /// Of the paragraphs predicted as this label, the share that are.
    pub precision: f64,
    /// Of the paragraphs that are this label, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Paragraphs that are this label.
    pub support: usize,
}

/// The result of comparing predictions with gold labels.
///
/// Like scikit-learn's `classification_report`, the labels are those that occur in the gold
/// labels or the predictions, and a label never predicted has precision 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The labels scored, in [`Label::ALL`] order.
    pub labels: Vec<Label>,
    /// `confusion[gold][predicted]`, indexed like `labels`.
    pub confusion: Vec<Vec<usize>>,
    /// Per-label scores, like `labels`.
    pub per_class: Vec<ClassMetrics>,
    /// Unweighted mean of the per-label F1.
    pub macro_f1: f64,
    /// Share of paragraphs predicted right.
    pub accuracy: f64,
    /// Paragraphs scored.
    pub total: usize,
}

impl Evaluation {
    /// Score `predicted` against `gold` (same length, same order).
    ///
    /// ```
    /// use tiaoli::{Evaluation, Label::*};
    /// let e = Evaluation::new(&[Work, Work, Plans, Title], &[Work, Plans, Plans, Title]);
    /// assert_eq!(e.accuracy, 0.75);
    /// assert_eq!(e.confusion[1][2], 1); // one `work` paragraph predicted as `plans`
    /// ```
    pub fn new(gold: &[Label], predicted: &[Label]) -> Evaluation {
        assert_eq!(gold.len(), predicted.len(), "one prediction per gold label");
        let labels: Vec<Label> = Label::ALL.into_iter().filter(|l| gold.contains(l) || predicted.contains(l)).collect();
        let index = |l: &Label| labels.iter().position(|x| x == l).unwrap_or(0);
        let mut confusion = vec![vec![0; labels.len()]; labels.len()];
        for (g, p) in gold.iter().zip(predicted) {
            confusion[index(g)][index(p)] += 1;
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let per_class: Vec<ClassMetrics> = labels
            .iter()
            .enumerate()
            .map(|(i, &label)| {
                let tp = confusion[i][i];
                let support: usize = confusion[i].iter().sum();
                let predicted: usize = confusion.iter().map(|row| row[i]).sum();
                let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
                let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
                ClassMetrics { label, precision, recall, f1, support }
            })
            .collect();
        let macro_f1 = per_class.iter().map(|c| c.f1).sum::<f64>() / per_class.len().max(1) as f64;
        let correct = (0..labels.len()).map(|i| confusion[i][i]).sum();
        Evaluation { labels, confusion, per_class, macro_f1, accuracy: ratio(correct, gold.len()), total: gold.len() }
    }

    /// The scores of `label`, if it was scored.
    pub fn class(&self, label: Label) -> Option<&ClassMetrics> {
        self.per_class.iter().find(|c| c.label == label)
    }
}

/// How far a model's confidence is from how often it is right.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Expected calibration error: over [`Calibration::BINS`] equal-width bins of confidence,
    /// the gap between accuracy and mean confidence, weighted by the bin's share of
    /// paragraphs.
    pub ece: f64,
    /// Share of all paragraphs predicted wrong with confidence ≥ [`Calibration::CONFIDENT`]:
    /// the mistakes nothing warns of.
    pub wrong_confident: f64,
    /// Paragraphs scored.
    pub total: usize,
}

impl Calibration {
    /// Confidence bins of the expected calibration error.
    pub const BINS: usize = 15;
    /// The confidence from which a wrong prediction counts in [`Calibration::wrong_confident`].
    pub const CONFIDENT: f32 = 0.9;

    /// Score (whether the prediction was right, its confidence) pairs.
    ///
    /// ```
    /// use tiaoli::Calibration;
    /// // Right twice at 0.95, wrong once at 0.95, right once at 0.5.
    /// let c = Calibration::new([(true, 0.95), (true, 0.95), (false, 0.95), (true, 0.5)]);
    /// assert!((c.ece - 0.75 * (0.95 - 2.0 / 3.0) - 0.25 * 0.5).abs() < 1e-6);
    /// assert_eq!(c.wrong_confident, 0.25);
    /// ```
    pub fn new(outcomes: impl IntoIterator<Item = (bool, f32)>) -> Calibration {
        let mut bins = [(0usize, 0usize, 0.0f64); Self::BINS];
        let (mut total, mut wrong_confident) = (0usize, 0usize);
        for (right, confidence) in outcomes {
            let bin = ((confidence.clamp(0.0, 1.0) * Self::BINS as f32) as usize).min(Self::BINS - 1);
            let (n, correct, sum) = &mut bins[bin];
            *n += 1;
            *correct += usize::from(right);
            *sum += f64::from(confidence);
            total += 1;
            wrong_confident += usize::from(!right && confidence >= Self::CONFIDENT);
        }
        let share = |n: usize| if total == 0 { 0.0 } else { n as f64 / total as f64 };
        let ece = bins
            .iter()
            .filter(|b| b.0 > 0)
            .map(|&(n, correct, sum)| share(n) * (correct as f64 / n as f64 - sum / n as f64).abs())
            .sum();
        Calibration { ece, wrong_confident: share(wrong_confident), total }
    }
}

/// As `tiaoli eval --format json` prints it: `macro_f1`, `accuracy`, `total`, `per_class` keyed
/// by label, and `confusion` as `{labels, matrix}` (rows: gold, columns: predicted).
#[cfg(feature = "serde")]
impl serde::Serialize for Evaluation {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeStruct};

        struct PerClass<'a>(&'a [ClassMetrics]);
        impl serde::Serialize for PerClass<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for c in self.0 {
                    map.serialize_entry(&c.label, c)?;
                }
                map.end()
            }
        }
        #[derive(serde::Serialize)]
        struct Confusion<'a> {
            labels: &'a [Label],
            matrix: &'a [Vec<usize>],
        }

        let mut out = serializer.serialize_struct("Evaluation", 5)?;
        out.serialize_field("macro_f1", &self.macro_f1)?;
        out.serialize_field("accuracy", &self.accuracy)?;
        out.serialize_field("total", &self.total)?;
        out.serialize_field("per_class", &PerClass(&self.per_class))?;
        out.serialize_field("confusion", &Confusion { labels: &self.labels, matrix: &self.confusion })?;
        out.end()
    }
}

/// `ece` and `wrong_confident`, with the `threshold` and `bins` they were measured with.
#[cfg(feature = "serde")]
impl serde::Serialize for Calibration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Calibration", 4)?;
        out.serialize_field("ece", &self.ece)?;
        out.serialize_field("wrong_confident", &self.wrong_confident)?;
        out.serialize_field("threshold", &Self::CONFIDENT)?;
        out.serialize_field("bins", &Self::BINS)?;
        out.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

    #[test]
    fn calibration_of_a_perfectly_calibrated_and_an_overconfident_model() {
        // Right 7 times in 10 at confidence 0.7: calibrated.
        let calibrated = Calibration::new((0..10).map(|i| (i < 7, 0.7)));
        assert!(calibrated.ece < 1e-6, "{calibrated:?}");
        assert_eq!(calibrated.wrong_confident, 0.0);
        // Right half the time at 0.99.
        let over = Calibration::new((0..10).map(|i| (i % 2 == 0, 0.99)));
        assert!((over.ece - 0.49).abs() < 1e-6, "{over:?}");
        assert_eq!(over.wrong_confident, 0.5);
        assert_eq!(Calibration::new([]).ece, 0.0);
    }

    #[test]
    fn matches_hand_computed_scores() {
        // work: tp 2, fp 1, fn 1; plans: tp 1, fp 1, fn 1; closing: tp 0, fp 0, fn 1.
        let gold = [Work, Work, Work, Plans, Plans, Closing];
        let pred = [Work, Work, Plans, Plans, Work, Plans];
        let e = Evaluation::new(&gold, &pred);
        assert_eq!(e.labels, vec![Work, Plans, Closing]);
        let work = e.class(Work).unwrap();
        assert!((work.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((work.recall - 2.0 / 3.0).abs() < 1e-12);
        let plans = e.class(Plans).unwrap();
        assert!((plans.precision - 1.0 / 3.0).abs() < 1e-12 && (plans.recall - 0.5).abs() < 1e-12);
        assert_eq!(e.class(Closing).unwrap().f1, 0.0);
        let expected_macro = (2.0 / 3.0 + 0.4 + 0.0) / 3.0;
        assert!((e.macro_f1 - expected_macro).abs() < 1e-12);
        assert!((e.accuracy - 0.5).abs() < 1e-12);
        assert_eq!(e.confusion, vec![vec![2, 1, 0], vec![1, 1, 0], vec![0, 1, 0]]);
    }

    #[test]
    fn labels_only_predicted_still_count() {
        let e = Evaluation::new(&[Work], &[Title]);
        assert_eq!(e.labels, vec![Title, Work]);
        assert_eq!(e.macro_f1, 0.0);
    }
}
