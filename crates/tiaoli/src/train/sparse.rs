//! Multinomial logistic regression on sparse rows, for the first pass.
//!
//! linfa-logistic fits dense matrices only. A TF-IDF row has a few hundred non-zero terms out
//! of thousands, so a dense fit spends almost all its time multiplying zeros and its memory
//! on storing them: rows × vocabulary × 4 bytes, 0.9 GB for 45,000 paragraphs. This module
//! minimises linfa-logistic's own objective — the summed negative log-likelihood plus
//! `alpha / 2 · ‖W‖²`, intercepts unpenalised — with the optimiser linfa-logistic uses
//! (argmin's L-BFGS, memory 10, with a More–Thuente line search and its gradient tolerance),
//! but over compressed sparse rows: the work and memory grow with the non-zeros, not with
//! rows × vocabulary. Sums are taken in `f64` in row order, so a fit is deterministic and its
//! line search sees a smooth objective even when the loss is summed over many rows.
//!
//! The context pass uses it too: most of its features are one-hot. A test checks that a fit
//! here lands where linfa-logistic's dense fit does.

use std::cell::RefCell;

use argmin::core::{CostFunction, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use ndarray::Array1;

/// Rows of `(column, value)` pairs, stored compressed.
#[derive(Clone, Debug, Default)]
pub(crate) struct SparseRows {
    starts: Vec<usize>,
    columns: Vec<u32>,
    values: Vec<f32>,
}

impl SparseRows {
    /// Rows from per-row `(column, value)` lists.
    pub(crate) fn from_rows<'a>(rows: impl IntoIterator<Item = &'a [(u32, f32)]>) -> SparseRows {
        let mut out = SparseRows { starts: vec![0], ..SparseRows::default() };
        for row in rows {
            out.columns.extend(row.iter().map(|&(c, _)| c));
            out.values.extend(row.iter().map(|&(_, v)| v));
            out.starts.push(out.columns.len());
        }
        out
    }

    #[cfg(test)]
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let span = self.starts[i]..self.starts[i + 1];
        self.columns[span.clone()].iter().zip(&self.values[span]).map(|(&c, &v)| (c as usize, f64::from(v)))
    }
}

/// What [`fit`] needs to know.
pub(crate) struct Problem<'a> {
    pub(crate) x: &'a SparseRows,
    /// Class index of every row.
    pub(crate) y: &'a [usize],
    pub(crate) n_features: usize,
    pub(crate) n_classes: usize,
    pub(crate) alpha: f64,
    pub(crate) max_iterations: u64,
}

/// The fitted parameters: weights `features × classes`, row-major, and one bias per class.
pub(crate) struct Fitted {
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

/// linfa-logistic's default gradient tolerance.
const GRADIENT_TOLERANCE: f64 = 1e-4;
/// linfa-logistic's L-BFGS memory.
const LBFGS_MEMORY: usize = 10;

/// Minimise the objective from zero weights.
pub(crate) fn fit(problem: &Problem<'_>) -> Result<Fitted, argmin::core::Error> {
    let (d, k) = (problem.n_features, problem.n_classes);
    let objective = Objective { problem, last: RefCell::new(None) };
    let solver = LBFGS::new(MoreThuenteLineSearch::new(), LBFGS_MEMORY).with_tolerance_grad(GRADIENT_TOLERANCE)?;
    let init = Array1::<f64>::zeros((d + 1) * k);
    let result = Executor::new(objective, solver)
        .configure(|state| state.param(init).max_iters(problem.max_iterations))
        .run()?;
    let state = result.state();
    let best = state
        .get_best_param()
        .or(state.get_param())
        .ok_or_else(|| argmin::core::Error::msg("the optimiser returned no parameters"))?;
    Ok(Fitted {
        weights: best.iter().take(d * k).map(|&w| w as f32).collect(),
        bias: best.iter().skip(d * k).map(|&b| b as f32).collect(),
    })
}

/// The objective, remembering its last evaluation: the line search asks for the cost and
/// the gradient at the same point, and one pass over the rows gives both.
struct Objective<'a> {
    problem: &'a Problem<'a>,
    last: RefCell<Option<Evaluated>>,
}

/// Where the objective was evaluated, its value and its gradient there.
type Evaluated = (Array1<f64>, f64, Array1<f64>);

impl Objective<'_> {
    fn evaluate(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        if let Some((at, cost, grad)) = self.last.borrow().as_ref() {
            if at == w {
                return (*cost, grad.clone());
            }
        }
        let (cost, grad) = self.loss_and_gradient(w);
        *self.last.borrow_mut() = Some((w.clone(), cost, grad.clone()));
        (cost, grad)
    }

    fn loss_and_gradient(&self, w: &Array1<f64>) -> (f64, Array1<f64>) {
        let Problem { n_features: d, n_classes: k, alpha, .. } = *self.problem;
        let w = w.as_slice().unwrap_or(&[]);
        let mut grad = vec![0.0f64; (d + 1) * k];
        // The class count is known at compile time in these loops, so they unroll and
        // vectorise: three times faster than a loop over a run-time count.
        let mut loss = match k {
            2 => self.rows_pass::<2>(w, &mut grad),
            3 => self.rows_pass::<3>(w, &mut grad),
            4 => self.rows_pass::<4>(w, &mut grad),
            5 => self.rows_pass::<5>(w, &mut grad),
            6 => self.rows_pass::<6>(w, &mut grad),
            7 => self.rows_pass::<7>(w, &mut grad),
            _ => self.rows_pass::<8>(w, &mut grad),
        };
        let weights = &w[..d * k];
        for (g, wj) in grad[..d * k].iter_mut().zip(weights) {
            *g += alpha * wj;
        }
        loss += 0.5 * alpha * weights.iter().map(|w| w * w).sum::<f64>();
        (loss, Array1::from(grad))
    }

    /// The summed negative log-likelihood of the rows; adds its gradient to `grad`. `K` is
    /// the number of classes (labels are 2 to 8).
    fn rows_pass<const K: usize>(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let Problem { x, y, n_features: d, .. } = *self.problem;
        let (weights, _) = w[..d * K].as_chunks::<K>();
        let mut bias = [0.0f64; K];
        bias.copy_from_slice(&w[d * K..]);
        let (grad_weights, grad_bias) = grad.split_at_mut(d * K);
        let (grad_weights, _) = grad_weights.as_chunks_mut::<K>();
        let mut grad_b = [0.0f64; K];
        let mut loss = 0.0;
        for (i, &yi) in y.iter().enumerate() {
            let span = x.starts[i]..x.starts[i + 1];
            let (columns, values) = (&x.columns[span.clone()], &x.values[span]);
            let mut p = bias;
            for (&col, &v) in columns.iter().zip(values) {
                let row = &weights[col as usize];
                for c in 0..K {
                    p[c] += f64::from(v) * row[c];
                }
            }
            let max = p.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let truth = p.get(yi).copied().unwrap_or(max);
            let mut sum = 0.0;
            for pc in &mut p {
                *pc = (*pc - max).exp();
                sum += *pc;
            }
            // log-sum-exp minus the true class's logit: finite even where its probability
            // underflows.
            loss += max + sum.ln() - truth;
            for pc in &mut p {
                *pc /= sum;
            }
            if let Some(pc) = p.get_mut(yi) {
                *pc -= 1.0;
            }
            for (&col, &v) in columns.iter().zip(values) {
                let row = &mut grad_weights[col as usize];
                for c in 0..K {
                    row[c] += f64::from(v) * p[c];
                }
            }
            for c in 0..K {
                grad_b[c] += p[c];
            }
        }
        grad_bias.copy_from_slice(&grad_b);
        loss
    }
}

impl CostFunction for Objective<'_> {
    type Param = Array1<f64>;
    type Output = f64;

    fn cost(&self, w: &Self::Param) -> Result<f64, argmin::core::Error> {
        Ok(self.evaluate(w).0)
    }
}

impl Gradient for Objective<'_> {
    type Param = Array1<f64>;
    type Gradient = Array1<f64>;

    fn gradient(&self, w: &Self::Param) -> Result<Array1<f64>, argmin::core::Error> {
        Ok(self.evaluate(w).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem<'a>(x: &'a SparseRows, y: &'a [usize], alpha: f64) -> Problem<'a> {
        Problem { x, y, n_features: 3, n_classes: 3, alpha, max_iterations: 200 }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let rows: Vec<Vec<(u32, f32)>> = vec![vec![(0, 1.0), (2, 0.5)], vec![(1, 0.8)], vec![(0, 0.3), (1, 0.4)]];
        let x = SparseRows::from_rows(rows.iter().map(Vec::as_slice));
        let y = [0, 1, 2];
        let p = problem(&x, &y, 0.3);
        let objective = Objective { problem: &p, last: RefCell::new(None) };
        let w = Array1::from_iter((0..12).map(|i| (f64::from(i) * 0.37).sin()));
        let (_, grad) = objective.loss_and_gradient(&w);
        for j in 0..w.len() {
            let mut up = w.clone();
            let mut down = w.clone();
            up[j] += 1e-6;
            down[j] -= 1e-6;
            let numeric = (objective.loss_and_gradient(&up).0 - objective.loss_and_gradient(&down).0) / 2e-6;
            assert!((numeric - grad[j]).abs() < 1e-5, "component {j}: {numeric} vs {}", grad[j]);
        }
    }

    #[test]
    fn fits_the_same_model_as_linfa_logistic() {
        use linfa::traits::Fit;
        // A small, noisy problem: rows of 6 features, 3 classes.
        let mut state = 7u64;
        let mut next = || {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            (state >> 40) as f32 / (1u64 << 24) as f32
        };
        let rows: Vec<Vec<(u32, f32)>> = (0..60)
            .map(|_| (0..6).filter_map(|j| if next() < 0.5 { Some((j, next())) } else { None }).collect())
            .collect();
        let y: Vec<usize> =
            rows.iter().map(|r| r.iter().map(|&(j, v)| j as f32 * v).sum::<f32>() as usize % 3).collect();
        let x = SparseRows::from_rows(rows.iter().map(Vec::as_slice));
        let ours =
            fit(&Problem { x: &x, y: &y, n_features: 6, n_classes: 3, alpha: 0.5, max_iterations: 500 }).unwrap();

        let mut dense = ndarray::Array2::<f64>::zeros((rows.len(), 6));
        for (i, row) in rows.iter().enumerate() {
            for &(j, v) in row {
                dense[(i, j as usize)] = f64::from(v);
            }
        }
        let dataset = linfa::DatasetBase::new(dense, Array1::from(y.clone()));
        let theirs = linfa_logistic::MultiLogisticRegression::<f64>::default()
            .alpha(0.5)
            .max_iterations(500)
            .fit(&dataset)
            .unwrap();
        assert!(
            ours.weights.iter().any(|w| w.abs() > 0.1),
            "a fit this weak would compare nothing: {:?}",
            ours.weights
        );
        for (a, b) in ours.weights.iter().zip(theirs.params().iter()) {
            assert!((f64::from(*a) - b).abs() < 1e-3, "weight {a} vs {b}");
        }
        for (a, b) in ours.bias.iter().zip(theirs.intercept().iter()) {
            assert!((f64::from(*a) - b).abs() < 1e-3, "bias {a} vs {b}");
        }
    }

    #[test]
    fn separable_rows_are_learned_and_fits_repeat_exactly() {
        let rows: Vec<Vec<(u32, f32)>> = vec![
            vec![(0, 1.0)],
            vec![(0, 0.9), (2, 0.1)],
            vec![(1, 1.0)],
            vec![(1, 0.8)],
            vec![(2, 1.0)],
            vec![(2, 0.7)],
        ];
        let x = SparseRows::from_rows(rows.iter().map(Vec::as_slice));
        let y = [0, 0, 1, 1, 2, 2];
        let fitted = fit(&problem(&x, &y, 0.01)).unwrap();
        for (i, &yi) in y.iter().enumerate() {
            let mut logits = fitted.bias.clone();
            for (col, v) in x.row(i) {
                for (c, logit) in logits.iter_mut().enumerate() {
                    *logit += v as f32 * fitted.weights[col * 3 + c];
                }
            }
            let best = (0..3).max_by(|&a, &b| logits[a].total_cmp(&logits[b])).unwrap();
            assert_eq!(best, yi, "row {i}: {logits:?}");
        }
        let again = fit(&problem(&x, &y, 0.01)).unwrap();
        assert_eq!(fitted.weights, again.weights);
        assert_eq!(fitted.bias, again.bias);
    }
}
