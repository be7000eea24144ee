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
            let line_end = memchr_line_end(&bytes[line_start..]).map_or(bytes.len(), |i| line_start + i);
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

fn memchr_line_end(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n' || b == b'\r')
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
}
