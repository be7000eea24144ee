//! The splitter on arbitrary text: paragraphs are the trimmed non-blank lines, in order, with
//! their 1-based line numbers, and slice the input exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // An independent model of the rule: split at \r\n, \n or \r, trim white space and BOMs.
    let mut expected = Vec::new();
    let (mut line, mut rest) = (0, &*text);
    loop {
        line += 1;
        let (raw, next) = match rest.find(['\n', '\r']) {
            Some(i) if rest[i..].starts_with("\r\n") => (&rest[..i], Some(&rest[i + 2..])),
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let trimmed = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if !trimmed.is_empty() {
            expected.push((line, trimmed));
        }
        match next {
            Some(n) if !n.is_empty() => rest = n,
            _ => break,
        }
    }
    let got: Vec<_> = tiaoli::paragraphs(&text).collect();
    for p in &got {
        assert_eq!(&text[p.start..p.end], p.text);
    }
    let got: Vec<_> = got.iter().map(|p| (p.line, p.text)).collect();
    assert_eq!(got, expected);
});
