//! The default type mapping of each direction (the table of `docs/type-mapping.md`).

use crate::translate::report::Fidelity;
use crate::translate::Translation;
use crate::types::TypeKind;

/// A rule of the source's type the seal adds as a check in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// `col >= 0` (an unsigned type, with [`Translation::unsigned_checks`]).
    NonNegative,
    /// `col IN (labels)` (an enumeration kept as text).
    OneOf(Vec<String>),
    /// Every comma-separated member among `labels` (a MySQL `SET`).
    Members(Vec<String>),
}

/// What a source column type becomes in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Mapped {
    /// The target's spelling.
    pub raw: String,
    /// How faithful it is.
    pub status: Fidelity,
    /// What the report says of it, when it is not exact.
    pub note: Option<String>,
    /// A rule the seal adds as a check.
    pub rule: Option<Rule>,
    /// Labels of an enumeration type the target creates for the column (PostgreSQL).
    pub enum_type: Option<Vec<String>>,
}

impl Mapped {
    fn new(raw: impl Into<String>, status: Fidelity) -> Self {
        Mapped {
            raw: raw.into(),
            status,
            note: None,
            rule: None,
            enum_type: None,
        }
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    fn rule(mut self, rule: Rule) -> Self {
        self.rule = Some(rule);
        self
    }
}

/// The quoted labels of `enum('a','b')` or `set('a','b')`.
pub(crate) fn labels(raw: &str) -> Vec<String> {
    let inner = match (raw.find('('), raw.rfind(')')) {
        (Some(open), Some(close)) if close > open => &raw[open + 1..close],
        _ => return Vec::new(),
    };
    let mut labels = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut label = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    label.push('\'');
                }
                '\'' => break,
                '\\' => {
                    if let Some(next) = chars.next() {
                        label.push(next);
                    }
                }
                c => label.push(c),
            }
        }
        labels.push(label);
    }
    labels
}

/// The precision suffix `(p)` when there is one.
fn precision(p: Option<u32>) -> String {
    p.map(|p| format!("({p})")).unwrap_or_default()
}

/// The type a column of `source` type `raw` (classified as `kind`) has in `target`.
/// `key_width` is the number of columns of the widest primary, unique or foreign key
/// the column is part of (MySQL cannot make such a key of unlimited text).
pub(crate) fn map(
    source: &str,
    target: &str,
    raw: &str,
    kind: &TypeKind,
    key_width: Option<usize>,
    options: &Translation,
) -> Mapped {
    let lower = raw.trim().to_ascii_lowercase();
    let head = lower
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default()
        .to_owned();
    // A SQLite declared type names no storage: its affinity decides (section 3.1 of
    // SQLite's datatype documentation), unless a common spelling says more.
    let kind = match (source, kind) {
        ("sqlite", TypeKind::Other) => {
            let upper = lower.to_ascii_uppercase();
            if upper.contains("INT") {
                TypeKind::Integer {
                    bytes: 0,
                    unsigned: false,
                }
            } else if ["CHAR", "CLOB", "TEXT"].iter().any(|a| upper.contains(a)) {
                TypeKind::Text
            } else if upper.contains("BLOB") {
                TypeKind::Binary { length: None }
            } else if ["REAL", "FLOA", "DOUB"].iter().any(|a| upper.contains(a)) {
                TypeKind::Float { bytes: 8 }
            } else {
                // No declared type (BLOB affinity), or an unknown name (NUMERIC
                // affinity, which keeps any text that does not look like a number):
                // values of any kind, which text keeps.
                let note = if upper.is_empty() {
                    "no declared type: values of any kind, kept as text"
                } else {
                    "an unknown type name: SQLite keeps values of any kind in it, kept as text"
                };
                return match target {
                    "postgres" => Mapped::new("text", Fidelity::Mapped).note(note),
                    "mysql" => Mapped::new("longtext", Fidelity::Mapped).note(note),
                    _ => Mapped::new(raw, Fidelity::Exact),
                };
            }
        }
        // PostgreSQL's and MySQL's INTEGER is 4 bytes; SQLite's holds 8.
        (_, TypeKind::Integer { bytes: 0, unsigned }) if source != "sqlite" => TypeKind::Integer {
            bytes: 4,
            unsigned: *unsigned,
        },
        // SQLite's REAL is an 8-byte float whatever it is called.
        ("sqlite", TypeKind::Float { .. }) => TypeKind::Float { bytes: 8 },
        (_, kind) => kind.clone(),
    };
    let exact_or_mapped = |to: &str| {
        if to.eq_ignore_ascii_case(raw.trim()) {
            Fidelity::Exact
        } else {
            Fidelity::Mapped
        }
    };
    // MySQL's own types first.
    if source == "mysql" {
        match head.as_str() {
            "enum" => {
                let labels = labels(raw);
                return match target {
                    "postgres" if !options.enum_as_check => Mapped {
                        enum_type: Some(labels),
                        ..Mapped::new("", Fidelity::Mapped)
                    }
                    .note("an enumeration type named after the table and column"),
                    "postgres" | "sqlite" => {
                        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(1);
                        let raw = if target == "postgres" {
                            format!("character varying({})", width.max(1))
                        } else {
                            format!("VARCHAR({})", width.max(1))
                        };
                        Mapped::new(raw, Fidelity::Mapped)
                            .note("text with a check of its labels")
                            .rule(Rule::OneOf(labels))
                    }
                    _ => Mapped::new(raw, Fidelity::Exact),
                };
            }
            "set" => {
                let labels = labels(raw);
                let to = if target == "postgres" { "text" } else { "TEXT" };
                return Mapped::new(to, Fidelity::Mapped)
                    .note("text holding the comma-separated members, with a check of them")
                    .rule(Rule::Members(labels));
            }
            "year" => {
                let to = if target == "postgres" {
                    "smallint"
                } else {
                    "INTEGER"
                };
                return Mapped::new(to, Fidelity::Mapped).note("the year as a number");
            }
            "bit" => {
                return match target {
                    "postgres" => {
                        let to = format!("bit{}", precision(first_arg(&lower).or(Some(1))));
                        Mapped::new(to, Fidelity::Mapped)
                    }
                    _ => Mapped::new("INTEGER", Fidelity::Mapped).note("the bits as a number"),
                };
            }
            "tinyint" if options.tinyint1_boolean && lower.starts_with("tinyint(1)") => {
                let to = if target == "postgres" {
                    "boolean"
                } else {
                    "BOOLEAN"
                };
                return Mapped::new(to, Fidelity::Mapped)
                    .note("as boolean by option: values other than 0 and 1 are refused");
            }
            "inet4" | "inet6" if target == "postgres" => {
                return Mapped::new("inet", Fidelity::Mapped)
            }
            "geometry" | "point" | "linestring" | "polygon" | "multipoint" | "multilinestring"
            | "multipolygon" | "geometrycollection" => {
                if target == "postgres" && options.postgis {
                    let subtype = match head.as_str() {
                        "geometry" => "",
                        "point" => "(Point)",
                        "linestring" => "(LineString)",
                        "polygon" => "(Polygon)",
                        "multipoint" => "(MultiPoint)",
                        "multilinestring" => "(MultiLineString)",
                        "multipolygon" => "(MultiPolygon)",
                        _ => "(GeometryCollection)",
                    };
                    // PostGIS's type as the server names it under an empty search path.
                    return Mapped::new(format!("public.geometry{subtype}"), Fidelity::Mapped)
                        .note(
                            "a PostGIS geometry: load its values as WKB or WKT \
                         (ST_AsBinary or ST_AsText in MySQL)",
                        );
                }
                let to = if target == "postgres" {
                    "bytea"
                } else {
                    "BLOB"
                };
                return Mapped::new(to, Fidelity::Lossy).note(
                    "a spatial type: kept as its binary value, without spatial functions or indexes",
                );
            }
            "timestamp" if target == "postgres" => {
                let p = first_arg(&lower);
                return Mapped::new(
                    format!("timestamp{} with time zone", precision(p)),
                    Fidelity::Mapped,
                )
                .note("MySQL's TIMESTAMP is stored in UTC and read in the session's time zone");
            }
            "time" if target == "postgres" => {
                let p = first_arg(&lower);
                return Mapped::new(
                    format!("time{} without time zone", precision(p)),
                    Fidelity::Mapped,
                )
                .note("a time of day: MySQL durations beyond 24 hours are refused");
            }
            _ => {}
        }
    }
    let unsigned_rule = |m: Mapped| {
        if options.unsigned_checks {
            m.rule(Rule::NonNegative)
        } else {
            m
        }
    };
    match target {
        "postgres" => {
            let to = match &kind {
                // SQLite's BOOLEAN holds integers, which its expressions compare with 0
                // and 1: PostgreSQL's boolean only by option.
                TypeKind::Boolean if source == "sqlite" && !options.tinyint1_boolean => {
                    return Mapped::new("smallint", Fidelity::Mapped).note(
                        "SQLite's BOOLEAN holds the integers 0 and 1, which its expressions \
                         compare as numbers (--tinyint1-boolean makes it boolean)",
                    )
                }
                TypeKind::Boolean => "boolean".to_owned(),
                TypeKind::Integer { bytes, unsigned } => {
                    let to = match (bytes, unsigned) {
                        (1 | 2, false) | (1, true) => "smallint",
                        (3, _) | (4, false) | (2, true) => "integer",
                        (8 | 0, true) => "numeric(20,0)",
                        _ => "bigint",
                    };
                    if *unsigned {
                        return unsigned_rule(
                            Mapped::new(to, Fidelity::Mapped)
                                .note("unsigned: widened to hold its maximum"),
                        );
                    }
                    to.to_owned()
                }
                TypeKind::Decimal { precision, scale } => {
                    let to = match (precision, scale) {
                        (Some(p), Some(s)) => format!("numeric({p},{s})"),
                        (Some(p), None) => format!("numeric({p},0)"),
                        _ => "numeric".to_owned(),
                    };
                    if lower.contains("unsigned") {
                        return unsigned_rule(Mapped::new(to, Fidelity::Mapped));
                    }
                    to
                }
                TypeKind::Float { bytes: 4 } if !lower.starts_with("double") => "real".to_owned(),
                TypeKind::Float { .. } => "double precision".to_owned(),
                TypeKind::Char { length } => format!("character({})", length.unwrap_or(1)),
                TypeKind::Varchar { length: Some(n) } => format!("character varying({n})"),
                TypeKind::Varchar { length: None } => "character varying".to_owned(),
                TypeKind::Text => "text".to_owned(),
                TypeKind::Binary { .. } => "bytea".to_owned(),
                TypeKind::Date => "date".to_owned(),
                TypeKind::Time {
                    precision: p,
                    with_time_zone,
                } => format!(
                    "time{} {} time zone",
                    precision(*p),
                    if *with_time_zone { "with" } else { "without" }
                ),
                TypeKind::Timestamp {
                    precision: p,
                    with_time_zone,
                } => format!(
                    "timestamp{} {} time zone",
                    precision(*p),
                    if *with_time_zone { "with" } else { "without" }
                ),
                TypeKind::Json => {
                    return Mapped::new("jsonb", Fidelity::Mapped)
                        .note("jsonb: duplicate keys and key order are not kept")
                }
                TypeKind::Uuid => "uuid".to_owned(),
                _ => {
                    return Mapped::new("text", Fidelity::Lossy)
                        .note("no PostgreSQL type is known for it: kept as its text")
                }
            };
            let status = exact_or_mapped(&to);
            let m = Mapped::new(to, status);
            match (source, &kind) {
                ("sqlite", TypeKind::Char { .. } | TypeKind::Varchar { .. }) => {
                    m.note("SQLite does not enforce the length: longer values are refused")
                }
                _ => m,
            }
        }
        "mysql" => {
            let to = match &kind {
                TypeKind::Boolean => "tinyint(1)".to_owned(),
                TypeKind::Integer { bytes, .. } => match bytes {
                    1 => "tinyint(4)",
                    2 => "smallint(6)",
                    3 => "mediumint(9)",
                    4 => "int(11)",
                    _ => "bigint(20)",
                }
                .to_owned(),
                TypeKind::Decimal { precision, scale } => match (precision, scale) {
                    (Some(p), s) if *p > 65 || s.unwrap_or(0) > 30 => {
                        let s = s.unwrap_or(0).min(30);
                        return Mapped::new(format!("decimal(65,{s})"), Fidelity::Lossy)
                            .note("MySQL's decimal holds 65 digits, 30 after the point, at most");
                    }
                    (Some(p), s) => format!("decimal({p},{})", s.unwrap_or(0)),
                    _ => {
                        return Mapped::new("decimal(65,30)", Fidelity::Lossy)
                            .note("unconstrained numeric: MySQL's widest decimal")
                    }
                },
                TypeKind::Float { bytes: 4 } => "float".to_owned(),
                TypeKind::Float { .. } => "double".to_owned(),
                TypeKind::Char { length: Some(n) } if *n > 255 => {
                    return Mapped::new(format!("varchar({n})"), Fidelity::Mapped)
                        .note("MySQL's char holds 255 characters at most: varchar")
                }
                TypeKind::Char { length } => format!("char({})", length.unwrap_or(1)),
                TypeKind::Varchar { length: Some(n) }
                    if key_width.is_some() && *n as usize > key_chars(key_width) =>
                {
                    let n = key_chars(key_width);
                    return Mapped::new(format!("varchar({n})"), Fidelity::Lossy).note(format!(
                        "in a key: MySQL keys hold {n} characters of it at most"
                    ));
                }
                TypeKind::Varchar { length: Some(n) } if *n > 16383 => {
                    return Mapped::new("longtext", Fidelity::Mapped)
                        .note("longer than a MySQL varchar holds: longtext")
                }
                TypeKind::Varchar { length: Some(n) } => format!("varchar({n})"),
                TypeKind::Varchar { length: None } | TypeKind::Text | TypeKind::Json
                    if key_width.is_some() =>
                {
                    // InnoDB keys hold 3072 bytes: 768 four-byte characters, shared.
                    let n = key_chars(key_width);
                    return Mapped::new(format!("varchar({n})"), Fidelity::Lossy).note(format!(
                        "unlimited text in a key: MySQL keys hold {n} characters of it at most"
                    ));
                }
                TypeKind::Varchar { length: None } | TypeKind::Text => "longtext".to_owned(),
                TypeKind::Binary { length: Some(n) } => format!("varbinary({n})"),
                TypeKind::Binary { length: None } if key_width.is_some() => {
                    let n = key_chars(key_width) * 4;
                    return Mapped::new(format!("varbinary({n})"), Fidelity::Lossy).note(format!(
                        "unlimited bytes in a key: MySQL keys hold {n} bytes of it at most"
                    ));
                }
                TypeKind::Binary { length: None } => "longblob".to_owned(),
                TypeKind::Date => "date".to_owned(),
                // PostgreSQL keeps microseconds where no precision is written, and
                // SQLite keeps what it was given; MySQL's default is whole seconds.
                TypeKind::Time { precision: p, .. } => {
                    format!("time{}", precision(p.or(Some(6))))
                }
                TypeKind::Timestamp {
                    precision: p,
                    with_time_zone,
                } => {
                    let to = format!("datetime{}", precision(p.or(Some(6))));
                    if *with_time_zone {
                        return Mapped::new(to, Fidelity::Lossy)
                            .note("the time zone of each value is not kept");
                    }
                    to
                }
                TypeKind::Json => "longtext".to_owned(),
                TypeKind::Uuid => "char(36)".to_owned(),
                _ => {
                    return Mapped::new("longtext", Fidelity::Lossy)
                        .note("no MySQL type is known for it: kept as its text")
                }
            };
            let status = exact_or_mapped(&to);
            Mapped::new(to, status)
        }
        _ => {
            let to = match &kind {
                TypeKind::Boolean => "BOOLEAN".to_owned(),
                TypeKind::Integer { bytes, .. } => match bytes {
                    2 => "SMALLINT",
                    8 => "BIGINT",
                    _ => "INTEGER",
                }
                .to_owned(),
                TypeKind::Decimal { precision, scale } => match (precision, scale) {
                    (Some(p), Some(s)) => format!("NUMERIC({p},{s})"),
                    (Some(p), None) => format!("NUMERIC({p})"),
                    _ => "NUMERIC".to_owned(),
                },
                TypeKind::Float { .. } => "REAL".to_owned(),
                TypeKind::Char { length } => format!("CHAR({})", length.unwrap_or(1)),
                TypeKind::Varchar { length: Some(n) } => format!("VARCHAR({n})"),
                TypeKind::Varchar { length: None } | TypeKind::Text => "TEXT".to_owned(),
                TypeKind::Binary { .. } => "BLOB".to_owned(),
                TypeKind::Date => "DATE".to_owned(),
                TypeKind::Time { .. } => "TIME".to_owned(),
                TypeKind::Timestamp { .. } => "DATETIME".to_owned(),
                TypeKind::Json => "TEXT".to_owned(),
                TypeKind::Uuid => "TEXT".to_owned(),
                _ => {
                    return Mapped::new("TEXT", Fidelity::Lossy)
                        .note("no SQLite type is known for it: kept as its text")
                }
            };
            // SQLite keeps every value whatever the declared type, but its numbers are
            // 8-byte integers and doubles.
            match &kind {
                TypeKind::Integer {
                    bytes: 8 | 0,
                    unsigned: true,
                } => {
                    return Mapped::new(to, Fidelity::Lossy).note(
                        "SQLite's integers end at 9223372036854775807: larger values become \
                         inexact reals",
                    )
                }
                TypeKind::Decimal {
                    precision: Some(p), ..
                } if *p > 15 => {
                    return Mapped::new(to, Fidelity::Lossy).note(
                        "SQLite keeps 15 significant digits of a number that is not an integer",
                    )
                }
                _ => {}
            }
            let status = exact_or_mapped(&to);
            Mapped::new(to, status)
        }
    }
}

/// The characters of unlimited text a MySQL key of `width` columns can hold per
/// column: 768 for one (3072 bytes of utf8mb4), 191 for more.
fn key_chars(width: Option<usize>) -> usize {
    match width {
        Some(1) | None => 768,
        Some(_) => 191,
    }
}

/// The first number in parentheses of a type spelling.
fn first_arg(lower: &str) -> Option<u32> {
    let open = lower.find('(')?;
    let close = lower[open..].find(')')? + open;
    lower[open + 1..close]
        .split(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(raw: &str) -> Mapped {
        let kind = TypeKind::from_sql_name(raw);
        map(
            "mysql",
            "postgres",
            raw,
            &kind,
            None,
            &Translation::default(),
        )
    }

    #[test]
    fn mysql_unsigned_integers_are_widened_for_postgres() {
        assert_eq!(pg("int(10) unsigned").raw, "bigint");
        assert_eq!(pg("bigint(20) unsigned").raw, "numeric(20,0)");
        assert_eq!(pg("smallint(5) unsigned").raw, "integer");
        assert_eq!(pg("tinyint(3) unsigned").raw, "smallint");
        assert_eq!(pg("int(11)").raw, "integer");
        assert_eq!(pg("int(11)").status, Fidelity::Mapped);
    }

    #[test]
    fn enum_and_set_labels_are_read_with_their_quotes() {
        assert_eq!(labels("enum('a','it''s','c,d')"), ["a", "it's", "c,d"]);
        assert_eq!(
            pg("enum('x','y')").enum_type,
            Some(vec!["x".into(), "y".into()])
        );
        assert_eq!(
            pg("set('a','b')").rule,
            Some(Rule::Members(vec!["a".into(), "b".into()]))
        );
    }

    #[test]
    fn sqlite_affinities_decide_undeclared_spellings() {
        let m = |raw: &str| {
            map(
                "sqlite",
                "postgres",
                raw,
                &TypeKind::from_sql_name(raw),
                None,
                &Translation::default(),
            )
            .raw
        };
        assert_eq!(m("INTEGER"), "bigint");
        assert_eq!(m("UNSIGNED BIG INT"), "numeric(20,0)");
        assert_eq!(m("VARYING STRING"), "text");
        assert_eq!(m("NVARCHAR(160)"), "character varying(160)");
        // SQLite's first rule: a name containing INT has INTEGER affinity.
        assert_eq!(m("FLOATING POINT"), "bigint");
        assert_eq!(m("DOUBLE"), "double precision");
        assert_eq!(m("DATETIME"), "timestamp without time zone");
        assert_eq!(m(""), "text");
        assert_eq!(m("MONEY"), "text");
    }
}
