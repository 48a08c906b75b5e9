//! The `[forks]` table as written: per fork `"genesis"`, `{ offset = N }` or absent, plus the
//! `sequential` shorthand.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::{ForkSchedule, SpecErrorKind};
use crate::forks::Fork;

/// When one fork activates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// Active from the genesis block.
    Genesis,
    /// Active from the first block at or after genesis time plus this many seconds.
    Offset(u64),
}

impl Activation {
    /// Seconds after genesis.
    pub const fn seconds(self) -> u64 {
        match self {
            Self::Genesis => 0,
            Self::Offset(s) => s,
        }
    }
}

impl Serialize for Activation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            Self::Genesis => s.serialize_str("genesis"),
            Self::Offset(offset) => {
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("offset", offset)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Activation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = Activation;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(r#""genesis" or { offset = <seconds after genesis> }"#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Activation, E> {
                match v {
                    "genesis" => Ok(Activation::Genesis),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Activation, A::Error> {
                let mut offset = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "offset" => offset = Some(map.next_value::<u64>()?),
                        other => return Err(de::Error::unknown_field(other, &["offset"])),
                    }
                }
                offset.map(Activation::Offset).ok_or_else(|| de::Error::missing_field("offset"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// `sequential = { from, to, gap }`: forks before `from` at genesis, then `from` through `to`
/// one after another, `gap` seconds apart, the first at `gap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequential {
    pub from: Fork,
    pub to: Fork,
    pub gap: u64,
}

/// The `[forks]` table. Absent forks never activate.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForksSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequential: Option<Sequential>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bedrock: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regolith: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canyon: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecotone: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fjord: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub granite: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holocene: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isthmus: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jovian: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub karst: Option<Activation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(alias = "interop")]
    pub lagoon: Option<Activation>,
}

impl ForksSpec {
    /// The activation written for `fork`, if any.
    pub const fn get(&self, fork: Fork) -> Option<Activation> {
        match fork {
            Fork::Bedrock => self.bedrock,
            Fork::Regolith => self.regolith,
            Fork::Canyon => self.canyon,
            Fork::Delta => self.delta,
            Fork::Ecotone => self.ecotone,
            Fork::Fjord => self.fjord,
            Fork::Granite => self.granite,
            Fork::Holocene => self.holocene,
            Fork::Isthmus => self.isthmus,
            Fork::Jovian => self.jovian,
            Fork::Karst => self.karst,
            Fork::Lagoon => self.lagoon,
        }
    }

    /// Sets the activation of `fork`.
    pub fn set(&mut self, fork: Fork, activation: Option<Activation>) {
        let slot = match fork {
            Fork::Bedrock => &mut self.bedrock,
            Fork::Regolith => &mut self.regolith,
            Fork::Canyon => &mut self.canyon,
            Fork::Delta => &mut self.delta,
            Fork::Ecotone => &mut self.ecotone,
            Fork::Fjord => &mut self.fjord,
            Fork::Granite => &mut self.granite,
            Fork::Holocene => &mut self.holocene,
            Fork::Isthmus => &mut self.isthmus,
            Fork::Jovian => &mut self.jovian,
            Fork::Karst => &mut self.karst,
            Fork::Lagoon => &mut self.lagoon,
        };
        *slot = activation;
    }

    /// Combines the per-fork entries with the `sequential` shorthand. Fails when both set the
    /// same fork or the shorthand's range runs backwards.
    pub fn resolve(&self) -> Result<ForkSchedule, SpecErrorKind> {
        let mut schedule = ForkSchedule::default();
        for fork in Fork::ALL {
            schedule.set(fork, self.get(fork).map(Activation::seconds));
        }
        // Bedrock is the base every OP chain starts from.
        schedule.set(Fork::Bedrock, Some(0));
        let Some(seq) = self.sequential else { return Ok(schedule) };
        if seq.from > seq.to || seq.gap == 0 {
            return Err(SpecErrorKind::BadSequential { from: seq.from, to: seq.to, gap: seq.gap });
        }
        let mut offset = 0;
        for fork in Fork::ALL.into_iter().filter(|f| *f <= seq.to && *f > Fork::Bedrock) {
            if fork >= seq.from {
                offset += seq.gap;
            }
            if self.get(fork).is_some() {
                return Err(SpecErrorKind::SequentialOverlap { fork });
            }
            schedule.set(fork, Some(offset));
        }
        Ok(schedule)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_spaces_forks_by_gap_after_genesis_forks() {
        let spec: ForksSpec =
            toml::from_str(r#"sequential = { from = "ecotone", to = "fjord", gap = 4 }"#).unwrap();
        let schedule = spec.resolve().unwrap();
        assert_eq!(schedule.offset(Fork::Delta), Some(0));
        assert_eq!(schedule.offset(Fork::Ecotone), Some(4));
        assert_eq!(schedule.offset(Fork::Fjord), Some(8));
        assert_eq!(schedule.offset(Fork::Granite), None);
    }

    #[test]
    fn activation_reads_both_forms_and_rejects_others() {
        let spec: ForksSpec = toml::from_str("canyon = \"genesis\"\necotone = { offset = 6 }").unwrap();
        assert_eq!(spec.canyon, Some(Activation::Genesis));
        assert_eq!(spec.ecotone, Some(Activation::Offset(6)));
        let err = toml::from_str::<ForksSpec>("canyon = \"later\"").unwrap_err();
        assert!(err.to_string().contains(r#""genesis" or { offset"#), "{err}");
    }
}
