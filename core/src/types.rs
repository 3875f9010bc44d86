//! Column types: a portable [`TypeKind`] beside the source's exact spelling.

use serde::{Deserialize, Serialize};

/// A column type, structured and lossless.
///
/// Same-dialect output always uses [`DataType::raw`]; cross-dialect output maps
/// [`DataType::kind`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataType {
    /// The portable classification.
    pub kind: TypeKind,
    /// The source's exact spelling (`NVARCHAR(160)`, `int unsigned`, `""` for none).
    pub raw: String,
}

impl DataType {
    /// A type classified from a common SQL spelling with [`TypeKind::from_sql_name`].
    pub fn from_raw(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        DataType {
            kind: TypeKind::from_sql_name(&raw),
            raw,
        }
    }
}

/// Portable type classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum TypeKind {
    /// Boolean.
    Boolean,
    /// Integer of `bytes` width (0 when the width is unspecified, as SQLite's INTEGER).
    Integer {
        /// Storage width in bytes: 1, 2, 3, 4, 8, or 0 for "any".
        bytes: u8,
        /// Unsigned (MySQL).
        unsigned: bool,
    },
    /// Exact numeric, `DECIMAL(p, s)`.
    Decimal {
        /// Precision.
        precision: Option<u32>,
        /// Scale.
        scale: Option<u32>,
    },
    /// Binary floating point of `bytes` width (4 or 8).
    Float {
        /// 4 for REAL/FLOAT, 8 for DOUBLE.
        bytes: u8,
    },
    /// Fixed-length character string.
    Char {
        /// Length in characters.
        length: Option<u32>,
    },
    /// Variable-length character string with a limit.
    Varchar {
        /// Maximum length in characters.
        length: Option<u32>,
    },
    /// Unlimited character string.
    Text,
    /// Binary string (`BLOB`, `BYTEA`, `VARBINARY(n)`).
    Binary {
        /// Maximum length in bytes, if limited.
        length: Option<u32>,
    },
    /// Calendar date.
    Date,
    /// Time of day.
    Time {
        /// Fractional second digits.
        precision: Option<u32>,
        /// WITH TIME ZONE.
        with_time_zone: bool,
    },
    /// Date and time.
    Timestamp {
        /// Fractional second digits.
        precision: Option<u32>,
        /// WITH TIME ZONE.
        with_time_zone: bool,
    },
    /// JSON document.
    Json,
    /// UUID.
    Uuid,
    /// Anything else; the raw spelling is authoritative.
    Other,
}

impl TypeKind {
    /// Classifies a common SQL type spelling (`VARCHAR(20)`, `UNSIGNED BIG INT`,
    /// `NUMERIC(10,2)`, `DATETIME`, ...). Unknown or empty spellings give [`TypeKind::Other`].
    pub fn from_sql_name(raw: &str) -> TypeKind {
        let upper = raw.trim().to_ascii_uppercase();
        // `TIMESTAMP(3) WITHOUT TIME ZONE`: the words around the arguments name the type.
        let (name, args) = match upper.find('(') {
            Some(open) => {
                let close = upper.rfind(')').unwrap_or(upper.len());
                let inner = &upper[open + 1..close.max(open + 1)];
                let args: Vec<Option<u32>> =
                    inner.split(',').map(|a| a.trim().parse().ok()).collect();
                let after = upper.get(close + 1..).unwrap_or_default();
                (format!("{} {}", upper[..open].trim(), after.trim()), args)
            }
            None => (upper.clone(), Vec::new()),
        };
        let words: Vec<&str> = name.split_whitespace().collect();
        let arg = |i: usize| args.get(i).copied().flatten();
        let unsigned = words.contains(&"UNSIGNED");
        let base: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| *w != "UNSIGNED" && *w != "SIGNED" && *w != "ZEROFILL")
            .collect();
        let joined = base.join(" ");
        match joined.as_str() {
            "BOOLEAN" | "BOOL" => TypeKind::Boolean,
            "TINYINT" | "INT1" => TypeKind::Integer { bytes: 1, unsigned },
            "SMALLINT" | "INT2" => TypeKind::Integer { bytes: 2, unsigned },
            "MEDIUMINT" | "INT3" => TypeKind::Integer { bytes: 3, unsigned },
            "INT" | "INT4" => TypeKind::Integer { bytes: 4, unsigned },
            "BIGINT" | "INT8" | "BIG INT" => TypeKind::Integer { bytes: 8, unsigned },
            "INTEGER" => TypeKind::Integer { bytes: 0, unsigned },
            "DECIMAL" | "NUMERIC" | "DEC" => TypeKind::Decimal {
                precision: arg(0),
                scale: arg(1),
            },
            "REAL" | "FLOAT" | "FLOAT4" => TypeKind::Float { bytes: 4 },
            "DOUBLE" | "DOUBLE PRECISION" | "FLOAT8" => TypeKind::Float { bytes: 8 },
            "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" => {
                TypeKind::Char { length: arg(0) }
            }
            "VARCHAR" | "NVARCHAR" | "CHARACTER VARYING" | "VARYING CHARACTER" => {
                TypeKind::Varchar { length: arg(0) }
            }
            "TEXT" | "CLOB" | "LONGTEXT" | "MEDIUMTEXT" | "TINYTEXT" => TypeKind::Text,
            "BLOB" | "BYTEA" | "LONGBLOB" | "MEDIUMBLOB" | "TINYBLOB" => {
                TypeKind::Binary { length: None }
            }
            "BINARY" | "VARBINARY" => TypeKind::Binary { length: arg(0) },
            "DATE" => TypeKind::Date,
            "TIME" | "TIME WITHOUT TIME ZONE" => TypeKind::Time {
                precision: arg(0),
                with_time_zone: false,
            },
            "TIMETZ" | "TIME WITH TIME ZONE" => TypeKind::Time {
                precision: arg(0),
                with_time_zone: true,
            },
            "DATETIME" | "TIMESTAMP" | "TIMESTAMP WITHOUT TIME ZONE" => TypeKind::Timestamp {
                precision: arg(0),
                with_time_zone: false,
            },
            "TIMESTAMPTZ" | "TIMESTAMP WITH TIME ZONE" => TypeKind::Timestamp {
                precision: arg(0),
                with_time_zone: true,
            },
            "JSON" | "JSONB" => TypeKind::Json,
            "UUID" => TypeKind::Uuid,
            _ => TypeKind::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_common_spellings() {
        assert_eq!(
            TypeKind::from_sql_name("NVARCHAR(160)"),
            TypeKind::Varchar { length: Some(160) }
        );
        assert_eq!(
            TypeKind::from_sql_name("numeric(10, 2)"),
            TypeKind::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            TypeKind::from_sql_name("UNSIGNED BIG INT"),
            TypeKind::Integer {
                bytes: 8,
                unsigned: true
            }
        );
        assert_eq!(
            TypeKind::from_sql_name("INTEGER"),
            TypeKind::Integer {
                bytes: 0,
                unsigned: false
            }
        );
        assert_eq!(
            TypeKind::from_sql_name("timestamp(3) without time zone"),
            TypeKind::Timestamp {
                precision: Some(3),
                with_time_zone: false
            }
        );
        assert_eq!(
            TypeKind::from_sql_name("character varying(20)"),
            TypeKind::Varchar { length: Some(20) }
        );
        assert_eq!(TypeKind::from_sql_name(""), TypeKind::Other);
        assert_eq!(TypeKind::from_sql_name("geometry"), TypeKind::Other);
    }
}
