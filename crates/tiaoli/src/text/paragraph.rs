//! Splitting a report into paragraphs: one non-empty line is one paragraph (ANNOTATION.md).

/// One paragraph of an input text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paragraph<'a> {
    /// 1-based line number in the input.
    pub line: usize,
    /// Byte offset of the paragraph's first character in the input.
    pub start: usize,
    /// Byte offset just past the paragraph's last character.
    pub end: usize,
    /// The line with surrounding white space removed; `&input[start..end]`.
    pub text: &'a str,
}

/// White space around a paragraph. A byte-order mark counts too: editors on Windows put one at
/// the start of a file, and it would otherwise become part of the first paragraph.
fn is_blank(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

/// The paragraphs of `text`, in order.
///
/// Lines end at `\n`, `\r\n` or a lone `\r` (old Mac exports and some copy-paste paths
/// produce it). Lines that are empty or white space only are skipped but still counted, so
/// `line` matches what an editor shows.
///
/// ```
/// let text = "2024年工作总结\r\n\r\n  一、主要工作  \n";
/// let paragraphs: Vec<_> = tiaoli::paragraphs(text).collect();
/// assert_eq!(paragraphs.len(), 2);
/// assert_eq!(paragraphs[1].line, 3);
/// assert_eq!(paragraphs[1].text, "一、主要工作");
/// assert_eq!(&text[paragraphs[1].start..paragraphs[1].end], "一、主要工作");
/// ```
pub fn paragraphs(text: &str) -> Paragraphs<'_> {
    Paragraphs { text, pos: 0, line: 0 }
}

/// Iterator returned by [`paragraphs`].
#[derive(Clone, Debug)]
pub struct Paragraphs<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
}

impl<'a> Iterator for Paragraphs<'a> {
    type Item = Paragraph<'a>;

    fn next(&mut self) -> Option<Paragraph<'a>> {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() {
            let line_start = self.pos;
            let line_end = line_end(&bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
            self.pos = match bytes.get(line_end) {
                Some(b'\r') if bytes.get(line_end + 1) == Some(&b'\n') => line_end + 2,
                Some(_) => line_end + 1,
                None => line_end,
            };
            self.line += 1;
            let raw = &self.text[line_start..line_end];
            let trimmed_start = raw.trim_start_matches(is_blank);
            let trimmed = trimmed_start.trim_end_matches(is_blank);
            if !trimmed.is_empty() {
                let start = line_start + (raw.len() - trimmed_start.len());
                return Some(Paragraph { line: self.line, start, end: start + trimmed.len(), text: trimmed });
            }
        }
        None
    }
}

/// The offset of the first `\n` or `\r` in `bytes`.
fn line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n' || b == b'\r')
}

/// The most of one paragraph the model reads, in UTF-8 bytes: 64 KiB, some 21,000 Chinese
/// characters, far beyond any report paragraph. Segmentation and n-grams cost tens of bytes of
/// memory per input byte, so an export pasted without line breaks (one 20 MB "paragraph")
/// would otherwise need gigabytes; past this length more text changes nothing useful anyway.
/// The paragraph itself (text, offsets) stays whole.
pub(crate) const MAX_ANALYSED_BYTES: usize = 64 * 1024;

/// The part of a paragraph that features are taken from: its first [`MAX_ANALYSED_BYTES`]
/// bytes, cut back to a character boundary.
pub(crate) fn analysed(text: &str) -> &str {
    if text.len() <= MAX_ANALYSED_BYTES {
        return text;
    }
    let mut end = MAX_ANALYSED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<(usize, &str)> {
        paragraphs(text).map(|p| (p.line, p.text)).collect()
    }

    #[test]
    fn all_line_endings_split() {
        assert_eq!(lines("甲\n乙\r\n丙\r丁"), vec![(1, "甲"), (2, "乙"), (3, "丙"), (4, "丁")]);
    }

    #[test]
    fn blank_lines_count_but_do_not_yield() {
        assert_eq!(lines("\n \u{3000}\n\t标题\n\n"), vec![(3, "标题")]);
    }

    #[test]
    fn bom_and_full_width_space_are_trimmed() {
        let text = "\u{feff}\u{3000}\u{3000}开头一段。\u{3000}";
        let p: Vec<_> = paragraphs(text).collect();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].text, "开头一段。");
        assert_eq!(&text[p[0].start..p[0].end], "开头一段。");
    }

    #[test]
    fn empty_and_blank_inputs_have_no_paragraphs() {
        assert_eq!(paragraphs("").count(), 0);
        assert_eq!(paragraphs("\r\n\n \r").count(), 0);
    }

    #[test]
    fn crlf_counts_as_one_break() {
        assert_eq!(lines("a\r\n\r\nb"), vec![(1, "a"), (3, "b")]);
    }

    #[test]
    fn nul_and_control_characters_are_text() {
        // NUL is valid UTF-8 and not white space: it stays in the paragraph.
        assert_eq!(lines("\0\n甲\0乙\u{1}\n\u{b}\u{c}"), vec![(1, "\0"), (2, "甲\0乙\u{1}")]);
    }

    #[test]
    fn a_lone_bom_line_and_boms_inside_lines() {
        assert_eq!(lines("\u{feff}\n\u{feff}甲\u{feff}乙\u{feff}\r\n"), vec![(2, "甲\u{feff}乙")]);
    }

    #[test]
    fn only_the_start_of_a_huge_paragraph_is_analysed() {
        assert_eq!(analysed("总结"), "总结");
        let text = "总".repeat(MAX_ANALYSED_BYTES); // 3 bytes each: the limit falls inside one
        let cut = analysed(&text);
        assert_eq!(cut.len(), MAX_ANALYSED_BYTES / 3 * 3);
        assert!(cut.len() > MAX_ANALYSED_BYTES - 3 && text.starts_with(cut));
        let ascii = "a".repeat(MAX_ANALYSED_BYTES + 1);
        assert_eq!(analysed(&ascii).len(), MAX_ANALYSED_BYTES);
    }

    #[test]
    fn a_long_line_without_breaks_is_one_paragraph() {
        let text = format!("  {}  ", "总结。".repeat(100_000));
        let p: Vec<_> = paragraphs(&text).collect();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].start, p[0].end), (2, text.len() - 2));
    }
}

/// Property tests: the splitter against an independent statement of the rule (normalise every
/// line break to `\n`, split, trim), on inputs built from the pieces real pastes are made of.
#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::paragraphs;

    /// Line breaks of every kind, blanks (BOM, full-width space, tab), and text: ASCII, CJK,
    /// rare CJK beyond the BMP (U+20000 and up), emoji, NUL, HTML.
    #[rustfmt::skip]
    const PIECES: &[&str] = &[
        "\n", "\n", "\r\n", "\r", "\r\r\n", "\n\r", " ", "\t", "\u{3000}", "\u{feff}", "\u{a0}", "\u{2028}", "总", "结",
        "一、主要工作", "(二)", "a", "Z9", "😀", "👨\u{200d}👩", "\u{20000}", "\u{2a6d6}", "\u{30000}", "\0", "<p>", "é",
    ];

    /// `text`'s non-blank lines as (1-based line, trimmed text), by a route the splitter does not take.
    fn expected(text: &str) -> Vec<(usize, String)> {
        let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        normalised
            .split('\n')
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}').to_owned()))
            .filter(|(_, l)| !l.is_empty())
            .collect()
    }

    fn check(text: &str) -> Result<(), TestCaseError> {
        let found: Vec<_> = paragraphs(text).collect();
        for p in &found {
            prop_assert!(text.is_char_boundary(p.start) && text.is_char_boundary(p.end));
            prop_assert_eq!(&text[p.start..p.end], p.text);
        }
        let got: Vec<(usize, String)> = found.iter().map(|p| (p.line, p.text.to_owned())).collect();
        prop_assert_eq!(got, expected(text));
        Ok(())
    }

    fn config() -> ProptestConfig {
        // No regression files in the source tree: a failure prints its minimal input instead.
        ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() }
    }

    proptest! {
        #![proptest_config(config())]

        #[test]
        fn every_non_blank_line_is_one_paragraph(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..80)) {
            check(&pieces.concat())?;
        }

        #[test]
        fn any_characters_split_the_same_way(chars in prop::collection::vec(
            prop_oneof![4 => any::<char>(), 1 => prop::sample::select(vec!['\n', '\r', ' ', '\u{feff}'])],
            0..200,
        )) {
            check(&chars.into_iter().collect::<String>())?;
        }
    }
}
