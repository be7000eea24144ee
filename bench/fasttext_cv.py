"""fastText supervised on the same grouped folds as `tiaoli cv` (a baseline users would pick).

Same command line, corpus reading, folds and scores as bench/sklearn_cv.py (which see); only
the model differs. Each paragraph is segmented with jieba (no HMM, as tiaoli does), its words
joined by spaces, and fed to fastText's supervised classifier (PyPI `fasttext-numpy2`) with
fixed, untuned, commonly used settings: epoch 50, lr 0.5, dim 100, wordNgrams 2, character
n-grams of 1-2 inside words (minn 1, maxn 2), softmax loss, and 200,000 hash buckets for the
n-grams (a tenth of the default 2,000,000: ample for a few thousand paragraphs, and a tenth of
the memory and model size). Seed 0 and one thread make a run deterministic. A paragraph's
confidence is its top label's probability from `predict(k=-1)`, renormalised over the 8 labels.

Usage:
    bench/.venv/bin/python bench/fasttext_cv.py --data ../shared/corpus \
        --folds-json /tmp/folds.json [--train-also data/corpus ...] [--json]
"""

import os
import tempfile

import fasttext
import jieba
import numpy as np

from sklearn_cv import LABELS, run

PARAMS = dict(epoch=50, lr=0.5, dim=100, wordNgrams=2, minn=1, maxn=2, bucket=200_000, loss="softmax",
              seed=0, thread=1, verbose=0)
PREFIX = "__label__"


def segment(text):
    """One paragraph as fastText reads it: jieba words, space-separated, on one line."""
    return " ".join(w for w in jieba.cut(text, HMM=False) if w.strip())


class FastTextClassifier:
    """fit/predict/predict_proba like a scikit-learn estimator, on raw paragraphs."""

    def __init__(self, **params):
        self.params = {**PARAMS, **params}
        self.model = None

    def fit(self, texts, labels):
        fd, path = tempfile.mkstemp(suffix=".txt", prefix="fasttext-train-")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                for text, label in zip(texts, labels):
                    f.write(f"{PREFIX}{label} {segment(text)}\n")
            self.model = fasttext.train_supervised(input=path, **self.params)
        finally:
            os.unlink(path)
        known = {label[len(PREFIX):] for label in self.model.get_labels()}
        self.classes_ = [l for l in LABELS if l in known]
        return self

    def predict_proba(self, texts):
        """Probabilities of self.classes_ (the 8 labels, those seen in training) per text, from all
        labels (k=-1), renormalised to sum to 1."""
        column = {label: j for j, label in enumerate(self.classes_)}
        labels, probs = self.model.predict([segment(t) for t in texts], k=-1, threshold=0.0)
        out = np.zeros((len(texts), len(self.classes_)))
        for i, (ls, ps) in enumerate(zip(labels, probs)):
            for label, prob in zip(ls, ps):
                j = column.get(label[len(PREFIX):])
                if j is not None:
                    out[i, j] = prob
        sums = out.sum(axis=1, keepdims=True)
        return np.divide(out, sums, out=np.full_like(out, 1 / len(self.classes_)), where=sums > 0)

    def predict(self, texts):
        labels, _ = self.model.predict([segment(t) for t in texts], k=1)
        return [ls[0][len(PREFIX):] for ls in labels]

    def save(self, path):
        self.model.save_model(str(path))


def main():
    run(__doc__.split("\n\n")[0], FastTextClassifier)


if __name__ == "__main__":
    main()
