//! The registry: which dialect handles which URL scheme, from the dialects compiled in
//! (registered with `inventory`) and the plugins loaded at run time.

use std::sync::Arc;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::url::DbUrl;

/// A compile-time registration, submitted by each dialect crate with `inventory::submit!`.
pub struct DialectRegistration {
    /// Builds the dialect.
    pub create: fn() -> Box<dyn Dialect>,
}

inventory::collect!(DialectRegistration);

/// Where a registered dialect comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// Compiled into this build.
    BuiltIn,
    /// Loaded at run time from a shared library.
    Plugin(String),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => f.write_str("built-in"),
            Origin::Plugin(path) => write!(f, "plugin {path}"),
        }
    }
}

/// A dialect in the registry, with its origin.
#[derive(Clone)]
pub struct Registered {
    /// The dialect.
    pub dialect: Arc<dyn Dialect>,
    /// Where it comes from.
    pub origin: Origin,
}

/// Dialects known to this process: the compiled-in ones plus any loaded plugins.
#[derive(Clone, Default)]
pub struct Registry {
    entries: Vec<Registered>,
}

/// Dialects this project ships, by scheme, with the cargo feature of the facade crate
/// that enables each. Only features that exist are listed.
const KNOWN_DIALECTS: &[(&str, &str, &str)] = &[
    ("mysql", "mysql", "mysql"),
    ("mariadb", "mysql", "mysql"),
    ("sqlite", "sqlite", "sqlite"),
    ("postgres", "postgres", "postgres"),
    ("postgresql", "postgres", "postgres"),
];

impl Registry {
    /// A registry of every dialect compiled into this build.
    ///
    /// A dialect crate registers only if something links it: the facade names each
    /// enabled dialect crate so the linker keeps its registration.
    pub fn builtin() -> Result<Registry> {
        let mut registry = Registry::default();
        let mut dialects: Vec<Box<dyn Dialect>> = inventory::iter::<DialectRegistration>
            .into_iter()
            .map(|r| (r.create)())
            .collect();
        dialects.sort_by(|a, b| a.name().cmp(b.name()));
        for dialect in dialects {
            registry.add(Arc::from(dialect), Origin::BuiltIn)?;
        }
        Ok(registry)
    }

    /// Adds a dialect; fails when one of its schemes is already claimed.
    pub fn add(&mut self, dialect: Arc<dyn Dialect>, origin: Origin) -> Result<()> {
        for scheme in dialect.url_schemes() {
            if let Some(existing) = self.find_scheme(&scheme) {
                return Err(Error::SchemeConflict {
                    scheme,
                    first: describe(existing),
                    second: format!("{} ({})", dialect.name(), origin),
                });
            }
        }
        self.entries.push(Registered { dialect, origin });
        Ok(())
    }

    /// Every registered dialect, in registration order.
    pub fn entries(&self) -> &[Registered] {
        &self.entries
    }

    /// The dialect that handles `url`'s scheme.
    pub fn resolve(&self, url: &DbUrl) -> Result<Arc<dyn Dialect>> {
        if let Some(found) = self.find_scheme(url.scheme()) {
            return Ok(found.dialect.clone());
        }
        if let Some((_, dialect, feature)) =
            KNOWN_DIALECTS.iter().find(|(s, _, _)| *s == url.scheme())
        {
            return Err(Error::DialectNotCompiled {
                url: url.to_string(),
                dialect: (*dialect).to_owned(),
                feature: (*feature).to_owned(),
            });
        }
        let mut known: Vec<String> = self
            .entries
            .iter()
            .flat_map(|e| e.dialect.url_schemes())
            .map(|s| format!("{s}:"))
            .collect();
        if known.is_empty() {
            known.push("no scheme at all".into());
        }
        Err(Error::UnknownScheme {
            scheme: url.scheme().to_owned(),
            url: url.to_string(),
            known: known.join(", "),
        })
    }

    /// The dialect with this name (as stored in snapshots).
    pub fn by_name(&self, name: &str) -> Result<Arc<dyn Dialect>> {
        self.entries
            .iter()
            .find(|e| e.dialect.name() == name)
            .map(|e| e.dialect.clone())
            .ok_or_else(|| Error::UnknownDialect(name.to_owned()))
    }

    fn find_scheme(&self, scheme: &str) -> Option<&Registered> {
        self.entries
            .iter()
            .find(|e| e.dialect.url_schemes().iter().any(|s| s == scheme))
    }
}

fn describe(entry: &Registered) -> String {
    format!("{} ({})", entry.dialect.name(), entry.origin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::url::DbUrl;

    #[test]
    fn a_known_dialect_left_out_of_the_build_names_its_feature() {
        let url = DbUrl::parse("sqlite:///tmp/x.db").unwrap();
        let err = Registry::default().resolve(&url).err().unwrap();
        assert_eq!(
            err.to_string(),
            "sqlite:///tmp/x.db: the sqlite dialect is not in this build; enable the `sqlite` \
             feature of schema-replicator or load a sqlite dialect plugin"
        );
        let url = DbUrl::parse("oracle://scott:tiger@db/orcl").unwrap();
        let err = Registry::default().resolve(&url).err().unwrap();
        assert_eq!(
            err.to_string(),
            "unknown URL scheme `oracle:` in oracle://scott:***@db/orcl; this build knows no scheme at all"
        );
    }
}
