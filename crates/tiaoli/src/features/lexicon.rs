//! What a model knows about text, as one character trie: its segmentation dictionary and its
//! character n-grams, so one walk from each character finds both the words that start there
//! and the n-grams the model has weights for; and its word n-grams, as a second trie over
//! word symbols.
//!
//! # Segmentation: jieba's cut, reimplemented
//!
//! Words are cut exactly as `jieba_rs::Jieba::cut(text, false)` cuts them with a dictionary
//! made of the model's entries (the property tests below hold the two side by side, and every
//! committed model rebuilds byte-identical through this code):
//!
//! - text splits into runs of "han" characters (CJK ideographs, ASCII letters and digits and
//!   `+#&._%-`) and the characters between them, each of which is a token of its own;
//! - in a run, every dictionary word starting at each character is an edge of a graph, and the
//!   route with the highest sum of `ln(freq / total)` wins (a character that starts no word
//!   counts as frequency 1; ties go to the longer word);
//! - single characters the route leaves that are ASCII letters or digits join into one token.
//!
//! Inference used to call jieba-rs for this. Doing it here lets the walk that finds character
//! n-grams find the words too, gives each word its symbol without hashing its text, and keeps
//! jieba-rs (and its HMM tables) out of the browser build: tagging got about twice as fast.

use rustc_hash::FxHashMap;

use super::terms::{DictEntry, Ngrams, TermKind};

/// No node, term, word or symbol.
pub(crate) const NONE: u32 = u32::MAX;

/// Where an edge of a [`Trie`] leads: the child node, and what the walks need to know about
/// it, kept beside the node id so that a step costs one lookup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Step {
    node: u32,
    /// The id of the term the child spells, or [`Step::NO_TERM`]; [`Step::WORD`] set if it
    /// spells a dictionary word. Term ids fit in 31 bits: the loader takes a vocabulary only as
    /// long as its file holds (9 bytes a term at least), and 2^31 terms would need 19 GB.
    info: u32,
}

impl Step {
    const WORD: u32 = 1 << 31;
    const NO_TERM: u32 = !Step::WORD;
    const VACANT: Step = Step { node: NONE, info: Step::NO_TERM };

    fn term(self) -> Option<u32> {
        Some(self.info & Step::NO_TERM).filter(|&id| id != Step::NO_TERM)
    }

    fn is_word(self) -> bool {
        self.info & Step::WORD != 0
    }

    /// Record term `id` here; false if there was one already.
    fn set_term(&mut self, id: u32) -> bool {
        let vacant = self.term().is_none();
        self.info = (self.info & Step::WORD) | id;
        vacant
    }
}

/// A trie over `u32` symbols (characters, or word symbols).
#[derive(Clone)]
struct Trie {
    /// The root's children by symbol, for symbols below its length: every walk starts with a
    /// root lookup, and a table is several times faster than a hash map there.
    first: Vec<Step>,
    /// `(node << 32) | symbol` → step, for the rest. Node 0 is the root.
    edges: FxHashMap<u64, Step>,
    nodes: u32,
}

impl Trie {
    /// An empty trie whose root looks up symbols below `direct` in a table.
    fn new(direct: usize) -> Trie {
        Trie { first: vec![Step::VACANT; direct], edges: FxHashMap::default(), nodes: 1 }
    }

    #[inline]
    fn child(&self, node: u32, symbol: u32) -> Option<Step> {
        if node == 0 {
            if let Some(&step) = self.first.get(symbol as usize) {
                return Some(step).filter(|step| step.node != NONE);
            }
        }
        self.edges.get(&((u64::from(node) << 32) | u64::from(symbol))).copied()
    }

    /// The last step of the path `symbols` spell, created as needed; `None` for no symbols.
    fn insert(&mut self, symbols: impl IntoIterator<Item = u32>) -> Option<&mut Step> {
        let mut last = None;
        let mut node = 0;
        for symbol in symbols {
            let next = self.nodes;
            let slot = self.slot(node, symbol);
            if slot.node == NONE {
                slot.node = next;
            }
            let child = slot.node;
            if child == next {
                self.nodes += 1;
            }
            last = Some((node, symbol));
            node = child;
        }
        last.map(|(parent, symbol)| self.slot(parent, symbol))
    }

    /// The edge from `node` on `symbol`, vacant if new.
    fn slot(&mut self, node: u32, symbol: u32) -> &mut Step {
        match self.first.get_mut(symbol as usize).filter(|_| node == 0) {
            Some(slot) => slot,
            None => self.edges.entry((u64::from(node) << 32) | u64::from(symbol)).or_insert(Step::VACANT),
        }
    }

    /// The last step of the path `symbols` spell, if the trie has it.
    fn find(&self, symbols: impl IntoIterator<Item = u32>) -> Option<Step> {
        let mut last = None;
        let mut node = 0;
        for symbol in symbols {
            let step = self.child(node, symbol)?;
            node = step.node;
            last = Some(step);
        }
        last
    }
}

/// A model's dictionary and vocabulary, for segmentation and n-gram lookup.
#[derive(Clone)]
pub(crate) struct Lexicon {
    /// Character n-grams and dictionary words, over characters.
    chars: Trie,
    /// For each node of `chars`: `ln(freq)` if it spells a dictionary word.
    log_freq: Vec<f64>,
    /// For each node of `chars`: its word symbol if it spells a word of some word n-gram, or
    /// [`NONE`].
    symbols: Vec<u32>,
    /// `ln` of the dictionary's total frequency.
    log_total: f64,
    /// The most characters in a dictionary word: how far a walk looks for words.
    longest_word: usize,
    /// Word n-grams over word symbols.
    words: Trie,
    /// Distinct (kind, term) pairs of the vocabulary.
    distinct: usize,
}

impl std::fmt::Debug for Lexicon {
    // The tables run to hundreds of thousands of entries: their sizes say enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("char_nodes", &self.chars.nodes)
            .field("word_nodes", &self.words.nodes)
            .field("longest_word", &self.longest_word)
            .field("distinct", &self.distinct)
            .finish_non_exhaustive()
    }
}

/// Word spans of the text being analysed and the buffers that find them, reused across
/// paragraphs.
#[derive(Debug, Default)]
pub(crate) struct Cut {
    /// For each character: the end of the run of han characters it starts or sits in, or its
    /// own index if it is not a han character.
    han_end: Vec<u32>,
    /// The dictionary words starting at each character, as (end, node): those of character
    /// `i` are `edges[edge_start[i]..edge_start[i + 1]]`, shortest first.
    edge_start: Vec<u32>,
    edges: Vec<(u32, u32)>,
    /// The best route from each character: (log-probability of the rest, end, node or NONE).
    route: Vec<(f64, u32, u32)>,
    /// The words found: (start, end) in characters, and word symbol.
    pub(crate) words: Vec<(u32, u32, u32)>,
}

/// jieba's `RE_HAN_DEFAULT` class: CJK ideographs, ASCII letters and digits, and `+#&._%-`.
fn is_han(symbol: u32) -> bool {
    match char::from_u32(symbol) {
        Some(c) if c.is_ascii() => c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-'),
        Some(c) => matches!(c,
            '\u{4E00}'..='\u{9FFF}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2A6DF}'
            | '\u{2A700}'..='\u{2B73F}'
            | '\u{2B740}'..='\u{2B81F}'
            | '\u{2B820}'..='\u{2CEAF}'
            | '\u{2CEB0}'..='\u{2EBEF}'
            | '\u{2F800}'..='\u{2FA1F}'),
        None => false,
    }
}

fn is_ascii_alphanumeric(symbol: u32) -> bool {
    char::from_u32(symbol).is_some_and(|c| c.is_ascii_alphanumeric())
}

impl Lexicon {
    /// A lexicon for segmentation only: the dictionary, no vocabulary (training).
    #[cfg(any(test, feature = "train"))]
    pub(crate) fn new(dict: &[DictEntry]) -> Lexicon {
        Lexicon::with_vocabulary(dict, &[])
    }

    /// A lexicon for the dictionary `dict` and the vocabulary `terms` (term id = index).
    pub(crate) fn with_vocabulary(dict: &[DictEntry], terms: &[(TermKind, Box<str>)]) -> Lexicon {
        // Characters of the Basic Multilingual Plane, where Chinese text lives, go in the table.
        let mut chars = Trie::new(0x1_0000);
        let mut log_freq = Vec::new();

        // As `Jieba::add_word` builds its dictionary: an empty word is ignored, a repeated one
        // keeps its last frequency, and the total is the sum of what is kept.
        let mut kept: FxHashMap<&str, u32> = FxHashMap::default();
        for entry in dict.iter().filter(|e| !e.word.is_empty()) {
            kept.insert(&entry.word, entry.freq);
        }
        let total: u64 = kept.values().map(|&freq| u64::from(freq)).sum();
        let log_total = (total as f64).ln();
        let mut longest_word = 0;
        for (word, freq) in kept {
            if let Some(step) = chars.insert(word.chars().map(u32::from)) {
                step.info |= Step::WORD;
                let node = step.node as usize;
                log_freq.resize(log_freq.len().max(node + 1), f64::NAN);
                log_freq[node] = f64::from(freq).ln();
            }
            longest_word = longest_word.max(word.chars().count());
        }

        // A word n-gram is its words joined by single spaces (see `Analyzer`), and words never
        // contain one, so splitting at spaces gives the words back.
        let mut word_symbols: FxHashMap<&str, u32> = FxHashMap::default();
        let mut symbols = Vec::new();
        for (_, term) in terms.iter().filter(|(kind, _)| *kind == TermKind::Word) {
            for word in term.split(' ') {
                let next = word_symbols.len() as u32;
                if *word_symbols.entry(word).or_insert(next) == next {
                    if let Some(step) = chars.insert(word.chars().map(u32::from)) {
                        let node = step.node as usize;
                        symbols.resize(symbols.len().max(node + 1), NONE);
                        symbols[node] = next;
                    }
                }
            }
        }
        let mut words = Trie::new(word_symbols.len());
        let mut distinct = 0;
        for (id, (kind, term)) in terms.iter().enumerate() {
            let step = match kind {
                TermKind::Word => words.insert(term.split(' ').map(|word| word_symbols[word])),
                TermKind::Char => chars.insert(term.chars().map(u32::from)),
            };
            // An empty term spells nothing; model files never hold one.
            if let Some(step) = step {
                distinct += usize::from(step.set_term(id as u32));
            }
        }
        log_freq.resize(chars.nodes as usize, f64::NAN);
        symbols.resize(chars.nodes as usize, NONE);
        Lexicon { chars, log_freq, symbols, log_total, longest_word, words, distinct }
    }

    /// Distinct (kind, term) pairs in the vocabulary.
    pub(crate) fn distinct(&self) -> usize {
        self.distinct
    }

    /// The id of a vocabulary term.
    #[cfg(test)]
    pub(crate) fn get(&self, kind: TermKind, term: &str) -> Option<u32> {
        match kind {
            TermKind::Word => {
                let mut symbols = Vec::new();
                for word in term.split(' ') {
                    symbols.push(self.symbols[self.chars.find(word.chars().map(u32::from))?.node as usize]);
                }
                self.words.find(symbols)?.term()
            }
            TermKind::Char => self.chars.find(term.chars().map(u32::from))?.term(),
        }
    }

    /// Segment `text` (characters as `u32`) and report its character n-grams.
    ///
    /// If `ngrams` has word n-grams, leaves in `cut.words` the words of `text[1..len - 1]`
    /// (the frame characters at both ends are not segmented) that are not white space, with
    /// their word symbols; otherwise none. If it has character n-grams, calls `found` with the
    /// id of every known character n-gram of `text` whose length is in their range, as often
    /// as it occurs; a lone `^` or `$` frame marker is never one.
    pub(crate) fn analyse(&self, text: &[u32], ngrams: Ngrams, cut: &mut Cut, mut found: impl FnMut(u32)) {
        let n = text.len();
        // Without word n-grams there is nothing to cut: no character starts a word.
        let inner = if ngrams.words.is_some() { 1..n.saturating_sub(1) } else { 1..1 };
        let (lo, hi) = ngrams.chars.map_or((usize::MAX, 0), |(lo, hi)| (usize::from(lo), usize::from(hi)));

        cut.han_end.clear();
        cut.han_end.resize(n, 0);
        let mut end = 0;
        for i in inner.clone().rev() {
            end = if !is_han(text[i]) {
                i
            } else if end > i {
                end
            } else {
                i + 1
            };
            cut.han_end[i] = end as u32;
        }

        cut.edge_start.clear();
        cut.edges.clear();
        for start in 0..n {
            cut.edge_start.push(cut.edges.len() as u32);
            let word_end = if inner.contains(&start) { cut.han_end[start] as usize } else { start };
            let word_end = word_end.min(start + self.longest_word);
            let limit = word_end.max((start + hi).min(n));
            let mut node = 0;
            for (at, &symbol) in text[start..limit].iter().enumerate() {
                let Some(step) = self.chars.child(node, symbol) else { break };
                node = step.node;
                let len = at + 1;
                if let Some(id) = step.term() {
                    if (lo..=hi).contains(&len) && (len > 1 || (symbol != u32::from('^') && symbol != u32::from('$'))) {
                        found(id);
                    }
                }
                if step.is_word() && start + len <= word_end {
                    cut.edges.push(((start + len) as u32, node));
                }
            }
        }
        cut.edge_start.push(cut.edges.len() as u32);

        cut.words.clear();
        let mut i = inner.start;
        while i < inner.end {
            if is_han(text[i]) {
                let end = cut.han_end[i] as usize;
                self.cut_run(text, i, end, cut);
                i = end;
            } else {
                if text[i] != u32::from(' ') {
                    self.push_word(text, i, i + 1, cut);
                }
                i += 1;
            }
        }
    }

    /// Segment the run of han characters `text[start..end]` along its best route.
    fn cut_run(&self, text: &[u32], start: usize, end: usize, cut: &mut Cut) {
        if cut.route.len() < end + 1 {
            cut.route.resize(end + 1, (0.0, 0, NONE));
        }
        cut.route[end] = (0.0, end as u32, NONE);
        let log_one = 0.0 - self.log_total;
        for i in (start..end).rev() {
            let mut best: Option<(f64, u32, u32)> = None;
            for &(to, node) in &cut.edges[cut.edge_start[i] as usize..cut.edge_start[i + 1] as usize] {
                let prob = self.log_freq[node as usize] - self.log_total + cut.route[to as usize].0;
                if best.is_none_or(|b| prob > b.0 || (prob == b.0 && to > b.1)) {
                    best = Some((prob, to, node));
                }
            }
            cut.route[i] = best.unwrap_or((log_one + cut.route[i + 1].0, i as u32 + 1, NONE));
        }

        // Single ASCII letters and digits the route leaves are joined into one word.
        let mut x = start;
        let mut joined: Option<usize> = None;
        while x < end {
            let (_, y, node) = cut.route[x];
            let y = y as usize;
            if y - x == 1 && is_ascii_alphanumeric(text[x]) {
                joined.get_or_insert(x);
            } else {
                if let Some(from) = joined.take() {
                    self.push_word(text, from, x, cut);
                }
                let symbol = if node == NONE { self.symbol_of(&text[x..y]) } else { self.symbols[node as usize] };
                cut.words.push((x as u32, y as u32, symbol));
            }
            x = y;
        }
        if let Some(from) = joined {
            self.push_word(text, from, end, cut);
        }
    }

    fn push_word(&self, text: &[u32], start: usize, end: usize, cut: &mut Cut) {
        cut.words.push((start as u32, end as u32, self.symbol_of(&text[start..end])));
    }

    fn symbol_of(&self, word: &[u32]) -> u32 {
        self.chars.find(word.iter().copied()).map_or(NONE, |step| self.symbols[step.node as usize])
    }

    /// Call `found` with the id of every known word n-gram of the words in `cut`, with a
    /// length in `lo..=hi`, as often as it occurs.
    pub(crate) fn word_ngrams(&self, cut: &Cut, (lo, hi): (u8, u8), mut found: impl FnMut(u32)) {
        let (lo, hi) = (usize::from(lo), usize::from(hi));
        let words = &cut.words;
        for start in 0..words.len() {
            let mut node = 0;
            for (at, &(_, _, symbol)) in words[start..words.len().min(start + hi)].iter().enumerate() {
                let Some(step) = self.words.child(node, symbol) else { break };
                node = step.node;
                if let Some(id) = step.term().filter(|_| at + 1 >= lo) {
                    found(id);
                }
            }
        }
    }
}

/// A jieba-rs segmenter with exactly the entries of a model's dictionary: what [`Lexicon`]
/// reimplements, for checking the two against each other.
#[cfg(all(test, feature = "train"))]
pub(crate) fn reduced_jieba(entries: &[DictEntry]) -> jieba_rs::Jieba {
    let mut jieba = jieba_rs::Jieba::empty();
    for entry in entries {
        jieba.add_word(&entry.word, Some(entry.freq as usize), None);
    }
    jieba
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{Analyzer, Ngrams, Scratch};

    fn dict(entries: &[(&str, u32)]) -> Vec<DictEntry> {
        entries.iter().map(|&(w, f)| DictEntry { word: w.into(), freq: f }).collect()
    }

    /// The words tiaoli cuts `text` into (after normalisation).
    fn words(entries: &[DictEntry], text: &str) -> Vec<String> {
        let analyzer = Analyzer { lexicon: Lexicon::new(entries), ngrams: Ngrams { words: Some((1, 1)), chars: None } };
        let mut out = Vec::new();
        analyzer.for_each_term(text, &mut Scratch::default(), |_, term| out.push(term.to_owned()));
        out
    }

    #[test]
    fn the_most_probable_route_wins() {
        let entries =
            dict(&[("工作", 100), ("作总", 1), ("总结", 100), ("工", 10), ("作", 10), ("总", 10), ("结", 10)]);
        assert_eq!(words(&entries, "工作总结"), ["工作", "总结"]);
        // With 作总 frequent enough, the split moves.
        let entries =
            dict(&[("工作", 2), ("作总", 100_000), ("总结", 2), ("工", 10), ("作", 10), ("总", 10), ("结", 10)]);
        assert_eq!(words(&entries, "工作总结"), ["工", "作总", "结"]);
    }

    #[test]
    fn letters_and_digits_left_single_are_joined_and_punctuation_stands_alone() {
        let entries = dict(&[("系统", 100)]);
        // Digits are normalised to 0, letters to lower case; the route leaves them single.
        assert_eq!(words(&entries, "OA系统v2上线，效果好"), ["oa", "系统", "v0", "上", "线", ",", "效", "果", "好"]);
    }

    #[test]
    fn words_never_cross_a_non_han_character() {
        let entries = dict(&[("工作", 100), ("作,总", 1_000_000)]);
        assert_eq!(words(&entries, "工作,总"), ["工作", ",", "总"]);
    }

    #[test]
    fn lookup_finds_every_kind_of_term() {
        let terms: Vec<(TermKind, Box<str>)> = vec![
            (TermKind::Word, "工作".into()),
            (TermKind::Word, "工作 总结".into()),
            (TermKind::Char, "工".into()),
            (TermKind::Char, "^工".into()),
        ];
        let lexicon = Lexicon::with_vocabulary(&dict(&[("工作", 5), ("总结", 5)]), &terms);
        assert_eq!(lexicon.distinct(), 4);
        for (id, (kind, term)) in terms.iter().enumerate() {
            assert_eq!(lexicon.get(*kind, term), Some(id as u32), "{term}");
        }
        assert_eq!(lexicon.get(TermKind::Char, "工作"), None);
        assert_eq!(lexicon.get(TermKind::Word, "总结"), None);
        assert_eq!(lexicon.get(TermKind::Word, "工"), None);
        let twice = Lexicon::with_vocabulary(&[], &[(TermKind::Char, "工".into()), (TermKind::Char, "工".into())]);
        assert_eq!(twice.distinct(), 1);
    }
}

/// Property tests: the segmentation against jieba-rs itself, and inference's one-walk term
/// lookup against training's string terms, on text built from the pieces reports are made of.
#[cfg(all(test, feature = "train"))]
mod properties {
    use proptest::prelude::*;

    use super::*;
    use crate::features::{normalise_into, tfidf, Analyzer, Ngrams, Scratch, Vocabulary};

    /// Words, single ideographs, letters, digits, han-class punctuation, other punctuation,
    /// white space, rare ideographs beyond the BMP, emoji and frame-marker look-alikes.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "工作", "总结", "工作总结", "经验", "教训", "经验教训", "下一步", "计划", "进一步", "加强", "建设", "存在", "问题",
        "工", "作", "总", "结", "一", "二", "、", "，", "。", "：", "（", "）", "(", ")", "a", "B", "oa", "2024", "3",
        "+", "#", "&", ".", "_", "%", "-", " ", "\u{3000}", "\t", "\u{20000}", "\u{2a6d6}", "😀", "^", "$", "\u{3400}", "é",
    ];
    /// Dictionary words a model could carry, including ones with han-class punctuation and a
    /// one-character word.
    const WORDS: &[&str] = &[
        "工作",
        "总结",
        "工作总结",
        "经验",
        "教训",
        "下一步",
        "一步",
        "进一步",
        "加强",
        "建设",
        "存在",
        "问题",
        "计划",
        "作",
        "oa",
        "c++",
        "0年",
        "\u{20000}工",
    ];

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|p| p.concat())
    }

    fn dictionary() -> impl Strategy<Value = Vec<DictEntry>> {
        prop::collection::vec((prop::sample::select(WORDS), 0u32..100_000), 0..16)
            .prop_map(|e| e.into_iter().map(|(w, freq)| DictEntry { word: w.into(), freq }).collect())
    }

    fn config() -> ProptestConfig {
        ProptestConfig { cases: 1_000, failure_persistence: None, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn words_are_cut_as_jieba_cuts_them(text in text(), entries in dictionary()) {
            let jieba = reduced_jieba(&entries);
            let mut norm = String::new();
            normalise_into(&text, &mut norm);
            let expected: Vec<&str> = jieba
                .cut(&norm[1..norm.len() - 1], false)
                .into_iter()
                .map(|t| t.word)
                .filter(|w| !w.trim().is_empty())
                .collect();
            let analyzer = Analyzer { lexicon: Lexicon::new(&entries), ngrams: Ngrams { words: Some((1, 1)), chars: None } };
            let mut got = Vec::new();
            analyzer.for_each_term(&text, &mut Scratch::default(), |_, w| got.push(w.to_owned()));
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn inference_finds_the_terms_training_reads(
            text in text(),
            other in text(),
            entries in dictionary(),
            keep in prop::collection::vec(any::<bool>(), 64),
        ) {
            let ngrams = Ngrams { words: Some((1, 2)), chars: Some((1, 3)) };
            // A vocabulary of some terms of `text` and `other`, so some are found and some not.
            let training = Analyzer { lexicon: Lexicon::new(&entries), ngrams };
            let mut terms: Vec<(TermKind, Box<str>)> = Vec::new();
            for t in [&text, &other] {
                training.for_each_term(t, &mut Scratch::default(), |kind, term| terms.push((kind, term.into())));
            }
            terms.sort();
            terms.dedup();
            let terms: Vec<_> = terms.into_iter().zip(keep.iter().cycle()).filter(|(_, &k)| k).map(|(t, _)| t).collect();
            let idf: Vec<f32> = (0..terms.len()).map(|i| 1.0 + i as f32 / 7.0).collect();

            let lexicon = Lexicon::with_vocabulary(&entries, &terms);
            let mut counts = std::collections::BTreeMap::new();
            training.for_each_term(&text, &mut Scratch::default(), |kind, term| {
                if let Some(id) = lexicon.get(kind, term) {
                    *counts.entry(id).or_insert(0) += 1;
                }
            });
            let expected = tfidf(counts, &idf);
            let tagger = Analyzer { lexicon, ngrams };
            let got = Vocabulary { terms, idf, counts: None }.vectorise(&tagger, &text, &mut Scratch::default());
            prop_assert_eq!(got, expected);
        }
    }
}
