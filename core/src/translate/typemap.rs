//! User overrides of the default type mapping (`--type-map FILE`, TOML).
//!
//! ```toml
//! # By the source's type spelling, case-insensitive; `*` matches any run of characters.
//! [types]
//! "tinyint(1)" = "boolean"
//! "varchar(*)" = { to = "text" }
//!
//! # By table and column, before any pattern. With a cast (PostgreSQL targets), the
//! # column is created as the default mapping has it, so the rows load as they are,
//! # and the seal converts it: ALTER COLUMN ... TYPE boolean USING (active <> 0).
//! [columns]
//! "orders.flags" = { to = "integer" }
//! "users.active" = { to = "boolean", cast = "active <> 0" }
//! ```

use serde::Deserialize;

use crate::error::{Error, Result};

/// What a type or a column becomes in the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeRule {
    /// The source type pattern, or `table.column`.
    pub pattern: String,
    /// The target type, as the target spells it.
    pub to: String,
    /// How the seal converts the loaded values to `to` (PostgreSQL's `USING`
    /// expression over the column): the column is then created with the default
    /// mapping, which takes the source's rows as they are, and converted by the seal.
    pub cast: Option<String>,
}

/// The overrides of a `--type-map` file: column rules first, then type patterns in the
/// order the file lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TypeMap {
    /// Rules by source type pattern.
    pub types: Vec<TypeRule>,
    /// Rules by `table.column`.
    pub columns: Vec<TypeRule>,
    /// The file the rules come from, for messages.
    pub origin: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    types: toml::Table,
    #[serde(default)]
    columns: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    to: String,
    cast: Option<String>,
}

impl TypeMap {
    /// Reads a type map file.
    pub fn load(path: &std::path::Path) -> Result<TypeMap> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        TypeMap::parse(&text, &path.display().to_string())
    }

    /// Parses the text of a type map file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<TypeMap> {
        let bad = |reason: String| Error::TypeMap {
            path: origin.to_owned(),
            reason,
        };
        let file: File = toml::from_str(text).map_err(|e| bad(e.message().to_owned()))?;
        let rules = |table: toml::Table, section: &str| -> Result<Vec<TypeRule>> {
            let mut rules = Vec::new();
            for (pattern, value) in table {
                let (to, cast) = match value {
                    toml::Value::String(to) => (to, None),
                    toml::Value::Table(t) => {
                        let rule: Rule = t.try_into().map_err(|e: toml::de::Error| {
                            bad(format!("[{section}] \"{pattern}\": {}", e.message()))
                        })?;
                        (rule.to, rule.cast)
                    }
                    other => {
                        return Err(bad(format!(
                            "[{section}] \"{pattern}\": expected a type or {{ to = \"type\" }}, \
                             found a {}",
                            other.type_str()
                        )))
                    }
                };
                if to.trim().is_empty() {
                    return Err(bad(format!("[{section}] \"{pattern}\": the type is empty")));
                }
                if section == "columns" && !pattern.contains('.') {
                    return Err(bad(format!(
                        "[columns] \"{pattern}\": expected \"table.column\""
                    )));
                }
                if cast.as_deref().is_some_and(|c| c.trim().is_empty()) {
                    return Err(bad(format!("[{section}] \"{pattern}\": the cast is empty")));
                }
                rules.push(TypeRule { pattern, to, cast });
            }
            Ok(rules)
        };
        Ok(TypeMap {
            types: rules(file.types, "types")?,
            columns: rules(file.columns, "columns")?,
            origin: origin.to_owned(),
        })
    }

    /// The target type the user chose for `table.column` of source type `raw`, if any.
    pub fn lookup(&self, table: &str, column: &str, raw: &str) -> Option<&TypeRule> {
        let key = format!("{table}.{column}");
        self.columns
            .iter()
            .find(|r| r.pattern == key)
            .or_else(|| self.types.iter().find(|r| glob(&r.pattern, raw)))
    }
}

/// Case-insensitive match of `text` against `pattern`, where `*` matches any run of
/// characters.
fn glob(pattern: &str, text: &str) -> bool {
    let pattern = pattern.trim().to_lowercase();
    let text = text.trim().to_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let mut rest = text.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            match rest.strip_prefix(part) {
                Some(r) => rest = r,
                None => return false,
            }
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            match rest.find(part) {
                Some(at) => rest = &rest[at + part.len()..],
                None => return false,
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_case_insensitively_with_stars() {
        assert!(glob("varchar(*)", "VARCHAR(20)"));
        assert!(glob("tinyint(1)", "tinyint(1)"));
        assert!(!glob("tinyint(1)", "tinyint(4)"));
        assert!(glob("*unsigned", "int(10) unsigned"));
        assert!(glob("enum(*)", "enum('a','b')"));
        assert!(!glob("enum(*)", "set('a')"));
    }

    #[test]
    fn a_file_gives_column_rules_before_type_rules() {
        let map = TypeMap::parse(
            "[types]\n\"int*\" = \"bigint\"\n[columns]\n\"t.c\" = { to = \"text\" }\n",
            "map.toml",
        )
        .unwrap();
        assert_eq!(map.lookup("t", "c", "int(11)").unwrap().to, "text");
        assert_eq!(map.lookup("t", "c", "int(11)").unwrap().cast, None);
        let cast = TypeMap::parse(
            "[columns]\n\"t.b\" = { to = \"boolean\", cast = \"b <> 0\" }\n",
            "map.toml",
        )
        .unwrap();
        assert_eq!(
            cast.lookup("t", "b", "tinyint(1)").unwrap().cast.as_deref(),
            Some("b <> 0")
        );
        let error = TypeMap::parse(
            "[columns]\n\"t.b\" = { to = \"boolean\", cast = \" \" }\n",
            "m",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "type map m: [columns] \"t.b\": the cast is empty"
        );
        assert_eq!(map.lookup("t", "d", "int(11)").unwrap().to, "bigint");
        assert!(map.lookup("t", "d", "varchar(3)").is_none());
    }

    #[test]
    fn a_bad_file_is_one_error_naming_the_file_and_the_rule() {
        let error = TypeMap::parse("[types]\n\"int\" = 3\n", "map.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "type map map.toml: [types] \"int\": expected a type or { to = \"type\" }, found a integer"
        );
        let error = TypeMap::parse("[columns]\n\"c\" = \"text\"\n", "map.toml").unwrap_err();
        assert_eq!(
            error.to_string(),
            "type map map.toml: [columns] \"c\": expected \"table.column\""
        );
        let error = TypeMap::parse("[kinds]\n", "map.toml").unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("type map map.toml: unknown field `kinds`"),
            "{error}"
        );
    }
}
