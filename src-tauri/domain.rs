//! Pure rules of ticketdesk: no IO here, so every rule is unit-tested beside its code.

pub mod about;
pub mod account;
pub mod attachment;
pub mod draft;
pub mod escalation;
pub mod link;
pub mod mfa;
pub mod notification;
pub mod outbox;
pub mod password;
pub mod permissions;
pub mod sla;
pub mod ticket;
pub mod user;
pub mod vocabulary;
pub mod workflow;

/// Defines a closed set of values stored in the database as VARCHAR (the seed's CHECK
/// constraints) and sent to the UI as the same strings.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, ts_rs::TS)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        #[ts(export)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The spelling used by the database and the UI.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!("unknown {} {other:?}", stringify!($name))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

#[cfg(test)]
pub(crate) fn assert_serde_matches_db<T>(all: &[T])
where
    T: serde::Serialize + std::fmt::Display,
{
    for value in all {
        assert_eq!(
            serde_json::to_value(value).unwrap(),
            serde_json::Value::String(value.to_string()),
            "the UI and the database must spell every value the same way"
        );
    }
}
