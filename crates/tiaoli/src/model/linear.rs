//! One linear layer, as every stage of the tagger scores: a row of features times a weight
//! matrix plus a bias, then softmax. The first pass reads sparse TF-IDF rows, each context
//! round dense rows of layout and scores, and training the held-out rows it stacks on; all
//! of them score through [`Linear::probabilities`], so they agree to the last bit.

/// A weight matrix (one row of `bias.len()` columns per feature, row-major) and its biases.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Linear<'a> {
    weights: &'a [f32],
    bias: &'a [f32],
}

impl<'a> Linear<'a> {
    pub(crate) fn new(weights: &'a [f32], bias: &'a [f32]) -> Linear<'a> {
        Linear { weights, bias }
    }

    /// The weights of feature `j`, one per column.
    pub(crate) fn row(&self, j: usize) -> &'a [f32] {
        let k = self.bias.len();
        &self.weights[j * k..(j + 1) * k]
    }

    /// Softmax of `bias + Σ value × row(feature)` over sparse `features`, summed in the
    /// order given.
    pub(crate) fn probabilities(&self, features: impl IntoIterator<Item = (usize, f32)>) -> Vec<f32> {
        let mut logits = self.bias.to_vec();
        for (j, value) in features {
            self.add(&mut logits, j, value);
        }
        softmax(&mut logits);
        logits
    }

    /// [`Self::probabilities`] of a dense row, its zeros skipped: the same sums, in the same
    /// order. A loop of its own because this one is most of the context pass's arithmetic,
    /// and an iterator chain over the row cost a tenth more instructions (cachegrind).
    pub(crate) fn probabilities_of_dense(&self, row: &[f32]) -> Vec<f32> {
        let mut logits = self.bias.to_vec();
        for (j, &value) in row.iter().enumerate() {
            if value != 0.0 {
                self.add(&mut logits, j, value);
            }
        }
        softmax(&mut logits);
        logits
    }

    #[inline]
    fn add(&self, logits: &mut [f32], j: usize, value: f32) {
        for (logit, w) in logits.iter_mut().zip(self.row(j)) {
            *logit += value * w;
        }
    }

    /// How far feature `j` at `value` pushes a row towards column `col`: its value times how
    /// much more its weight favours `col` than the average column does.
    pub(crate) fn contribution(&self, j: usize, value: f32, col: usize) -> f32 {
        let w = self.row(j);
        value * (w[col] - w.iter().sum::<f32>() / w.len() as f32)
    }
}

/// The index of the largest value; ties go to the earlier index, so a result never depends
/// on float noise in label order.
pub(crate) fn argmax(values: &[f32]) -> usize {
    (1..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

pub(crate) fn softmax(logits: &mut [f32]) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in logits.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    for v in logits.iter_mut() {
        *v /= sum;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_sum_rows_in_order_and_contributions_centre_on_the_mean() {
        // Two features × three columns.
        let weights = [1.0, 0.0, -1.0, 0.0, 2.0, 0.0];
        let bias = [0.0, 0.0, 0.0];
        let layer = Linear::new(&weights, &bias);
        let p = layer.probabilities([(0, 1.0), (1, 0.5)]);
        // Logits 1, 1, -1: the first two columns tie, ahead of the third.
        assert!((p[0] - p[1]).abs() < 1e-7 && p[0] > p[2]);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert_eq!(argmax(&p), 0, "a tie goes to the earlier column");
        assert_eq!(layer.probabilities([]), vec![1.0 / 3.0; 3]);
        assert_eq!(layer.probabilities_of_dense(&[1.0, 0.5]), p);
        assert_eq!(layer.probabilities_of_dense(&[0.0, 0.5]), layer.probabilities([(1, 0.5)]));
        assert!((layer.contribution(1, 0.5, 1) - 0.5 * (2.0 - 2.0 / 3.0)).abs() < 1e-6);
        assert!(layer.contribution(0, 1.0, 2) < 0.0);
    }
}
