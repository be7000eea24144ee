//! The eight section types of ANNOTATION.md.

use std::fmt;
use std::str::FromStr;

/// The section type of one paragraph of a work report.
///
/// The order is the order of a report's plan (标题 → 开头 → 主要工作 → 经验体会 →
/// 存在问题 → 今后打算 → 结尾), with page junk last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize), serde(rename_all = "lowercase"))]
pub enum Label {
    /// 标题: the name of a report.
    Title,
    /// 开头: the opening, up to the lead-in to the body.
    Opening,
    /// 主要工作: work done, measures, results.
    Work,
    /// 经验体会: lessons drawn from the work.
    Experience,
    /// 存在问题: shortcomings and gaps.
    Problems,
    /// 今后打算: plans for the next period.
    Plans,
    /// 结尾: summary sentence, resolve, thanks, signature.
    Closing,
    /// 网页杂项: anything that is not report content.
    Boilerplate,
}

impl Label {
    /// Every label, in the order of a report's plan.
    pub const ALL: [Label; 8] = [
        Label::Title,
        Label::Opening,
        Label::Work,
        Label::Experience,
        Label::Problems,
        Label::Plans,
        Label::Closing,
        Label::Boilerplate,
    ];

    /// The English name used in corpora and model files, e.g. `"plans"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Title => "title",
            Label::Opening => "opening",
            Label::Work => "work",
            Label::Experience => "experience",
            Label::Problems => "problems",
            Label::Plans => "plans",
            Label::Closing => "closing",
            Label::Boilerplate => "boilerplate",
        }
    }

    /// The Chinese name shown to writers, e.g. `"今后打算"`.
    pub fn chinese(self) -> &'static str {
        match self {
            Label::Title => "标题",
            Label::Opening => "开头",
            Label::Work => "主要工作",
            Label::Experience => "经验体会",
            Label::Problems => "存在问题",
            Label::Plans => "今后打算",
            Label::Closing => "结尾",
            Label::Boilerplate => "网页杂项",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label name that is not one of the eight types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLabel(pub String);

impl fmt::Display for UnknownLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown label {:?} (expected one of: ", self.0)?;
        for (i, label) in Label::ALL.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(label.as_str())?;
        }
        f.write_str(")")
    }
}

impl std::error::Error for UnknownLabel {}

impl FromStr for Label {
    type Err = UnknownLabel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Label::ALL.into_iter().find(|label| label.as_str() == s).ok_or_else(|| UnknownLabel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for label in Label::ALL {
            assert_eq!(label.as_str().parse::<Label>(), Ok(label));
        }
    }

    #[test]
    fn unknown_name_lists_the_valid_ones() {
        let err = "summary".parse::<Label>().unwrap_err();
        let message = err.to_string();
        assert!(message.contains("\"summary\""), "{message}");
        assert!(message.contains("boilerplate"), "{message}");
    }

    #[test]
    fn names_are_case_sensitive() {
        assert!("Work".parse::<Label>().is_err());
    }
}
