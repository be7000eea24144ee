//! Text as it comes in: bytes decoded as UTF-8 (or an error naming the line), then split into
//! paragraphs, one per non-empty line.

mod decode;
mod paragraph;

pub use decode::decode_utf8;
pub(crate) use paragraph::analysed;
pub use paragraph::{paragraphs, Paragraph, Paragraphs};
