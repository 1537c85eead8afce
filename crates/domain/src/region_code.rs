//! Kemendagri region codes, and the tree of regions they make: `ID` is the
//! nation, two digits a province (`32` Jawa Barat), four digits a kabupaten or
//! kota (`3275` Kota Bekasi) whose first two digits name its province. A
//! supervisor of a region reads everything below it, so "below" is decided
//! here, from the codes alone, and nowhere else.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a region stands in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionLevel {
    Nation,
    Province,
    /// A kabupaten or a kota: the level that plans and reports.
    KabKota,
}

impl RegionLevel {
    pub fn code(self) -> &'static str {
        match self {
            RegionLevel::Nation => "nation",
            RegionLevel::Province => "province",
            RegionLevel::KabKota => "kab_kota",
        }
    }
}

/// A valid Kemendagri code: `ID`, two digits, or four digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "\"{0}\" is not a Kemendagri region code: use ID for the nation, two digits for a \
     province (32) or four digits for a kabupaten/kota (3275)"
)]
pub struct RegionCodeError(pub String);

/// The nation's code.
pub const NATION: &str = "ID";

impl RegionCode {
    pub fn parse(text: &str) -> Result<RegionCode, RegionCodeError> {
        let text = text.trim();
        let digits = text.bytes().all(|b| b.is_ascii_digit());
        let valid = text == NATION
            || (digits && text.len() == 2 && text != "00")
            || (digits && text.len() == 4 && &text[..2] != "00" && &text[2..] != "00");
        if valid {
            Ok(RegionCode(text.to_owned()))
        } else {
            Err(RegionCodeError(text.to_owned()))
        }
    }

    pub fn nation() -> RegionCode {
        RegionCode(NATION.to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn level(&self) -> RegionLevel {
        match self.0.len() {
            2 if self.0 == NATION => RegionLevel::Nation,
            2 => RegionLevel::Province,
            _ => RegionLevel::KabKota,
        }
    }

    /// The region directly above: a kab/kota's province, a province's
    /// nation; the nation has none.
    pub fn parent(&self) -> Option<RegionCode> {
        match self.level() {
            RegionLevel::Nation => None,
            RegionLevel::Province => Some(RegionCode::nation()),
            RegionLevel::KabKota => Some(RegionCode(self.0[..2].to_owned())),
        }
    }

    /// The regions above this one, nearest first.
    pub fn ancestors(&self) -> impl Iterator<Item = RegionCode> {
        std::iter::successors(self.parent(), RegionCode::parent)
    }

    /// Whether `other` is this region or lies below it.
    pub fn covers(&self, other: &RegionCode) -> bool {
        self == other || self.is_above(other)
    }

    /// Whether `other` lies strictly below this region.
    pub fn is_above(&self, other: &RegionCode) -> bool {
        other.ancestors().any(|a| &a == self)
    }
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&text)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> String {
        code.0
    }
}

impl std::str::FromStr for RegionCode {
    type Err = RegionCodeError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RegionCode::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> RegionCode {
        RegionCode::parse(text).unwrap()
    }

    #[test]
    fn codes_place_regions_in_the_tree() {
        assert_eq!(code("ID").level(), RegionLevel::Nation);
        assert_eq!(code("32").level(), RegionLevel::Province);
        assert_eq!(code("3275").level(), RegionLevel::KabKota);
        assert_eq!(code("3275").parent(), Some(code("32")));
        assert_eq!(code("32").parent(), Some(code("ID")));
        assert_eq!(code("ID").parent(), None);
        assert_eq!(
            code("3275").ancestors().collect::<Vec<_>>(),
            vec![code("32"), code("ID")]
        );
    }

    #[test]
    fn below_is_decided_by_the_codes() {
        assert!(code("ID").is_above(&code("3275")));
        assert!(code("32").is_above(&code("3275")));
        assert!(!code("31").is_above(&code("3275")));
        assert!(!code("3275").is_above(&code("3275")));
        assert!(code("3275").covers(&code("3275")));
        assert!(!code("3275").covers(&code("32")));
        assert!(!code("3275").is_above(&code("3276")));
    }

    #[test]
    fn other_texts_are_refused_with_the_text_named() {
        for bad in [
            "", "3", "327", "32755", "id", "IDN", "3a", "00", "0075", "3200", "32-75",
        ] {
            let err = RegionCode::parse(bad).unwrap_err();
            assert!(err.to_string().contains(&format!("\"{bad}\"")), "{err}");
        }
        assert_eq!(code(" 3275 ").as_str(), "3275");
        assert!(serde_json::from_str::<RegionCode>("\"3x\"").is_err());
        assert_eq!(serde_json::to_string(&code("32")).unwrap(), "\"32\"");
    }

    proptest! {
        #[test]
        fn every_ancestor_is_above_and_nothing_is_above_itself(text in "(ID|[1-9][0-9]|[1-9][0-9][0-9][1-9])") {
            let region = code(&text);
            prop_assert!(!region.is_above(&region));
            for ancestor in region.ancestors() {
                prop_assert!(ancestor.is_above(&region));
                prop_assert!(!region.is_above(&ancestor));
                prop_assert!(ancestor.level() < region.level());
            }
            prop_assert!(RegionCode::nation().covers(&region));
        }
    }
}
