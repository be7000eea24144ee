//! Precision, recall, F1 and the confusion matrix.

use crate::label::Label;

/// Scores for one label.
#[derive(Clone, Debug, PartialEq)]
pub struct ClassMetrics {
    /// The label.
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

#[cfg(test)]
mod tests {
    use super::*;
    use Label::*;

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
