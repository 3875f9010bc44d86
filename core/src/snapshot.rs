//! Versioned JSON snapshots of a [`Schema`].

use std::path::Path;

use crate::error::{Error, Result};
use crate::ir::{Schema, FORMAT_VERSION, OLDEST_FORMAT_VERSION};

/// Serialises a schema as pretty JSON, deterministic byte for byte.
pub fn to_json(schema: &Schema) -> String {
    let mut text = serde_json::to_string_pretty(schema).expect("the IR always serialises");
    text.push('\n');
    text
}

/// Writes the JSON of [`to_json`] to `out` as it is produced, without holding the text
/// (a snapshot of thousands of tables is tens of megabytes). `out` should be buffered.
pub fn write_json(schema: &Schema, mut out: impl std::io::Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut out, schema)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Parses a snapshot, checking `format_version` before anything else: versions from
/// [`OLDEST_FORMAT_VERSION`] to [`FORMAT_VERSION`] load (as the current version, what
/// an older one lacks taking its default), others are refused. `origin` names the
/// snapshot in error messages.
pub fn from_json(text: &str, origin: &str) -> Result<Schema> {
    let err = |reason: String| Error::Snapshot {
        path: origin.to_owned(),
        reason,
    };
    // The version first, skipping the rest without building it: the schema itself is
    // then read straight into the IR, not through a `serde_json::Value` tree.
    #[derive(serde::Deserialize)]
    struct Version {
        format_version: Option<serde_json::Value>,
    }
    let version: Version = serde_json::from_str(text).map_err(|e| {
        err(format!(
            "not a JSON snapshot ({e}); a database is given as a URL, e.g. sqlite://{origin}"
        ))
    })?;
    let readable = u64::from(OLDEST_FORMAT_VERSION)..=u64::from(FORMAT_VERSION);
    match version.format_version.as_ref().and_then(|v| v.as_u64()) {
        Some(v) if readable.contains(&v) => {}
        Some(v) => {
            return Err(err(format!(
                "format_version {v} is not supported; this build reads format_version \
                 {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION}"
            )))
        }
        None => return Err(err("no format_version field: not a schema snapshot".into())),
    }
    let mut schema: Schema =
        serde_json::from_str(text).map_err(|e| err(format!("invalid snapshot: {e}")))?;
    schema.format_version = FORMAT_VERSION;
    Ok(schema)
}

/// Reads a snapshot file.
pub fn read(path: &Path) -> Result<Schema> {
    let text = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    let text = String::from_utf8(text).map_err(|_| Error::Snapshot {
        path: path.display().to_string(),
        reason: format!(
            "not a JSON snapshot; a database is given as a URL, e.g. sqlite://{}",
            path.display()
        ),
    })?;
    from_json(&text, &path.display().to_string())
}

/// Writes a snapshot file.
pub fn write(schema: &Schema, path: &Path) -> Result<()> {
    let io = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::create(path).map_err(io)?;
    write_json(schema, std::io::BufWriter::new(file)).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_version() {
        let schema = Schema::new("sqlite");
        let text = to_json(&schema);
        assert_eq!(from_json(&text, "s.json").unwrap(), schema);
        let newer = text.replace("\"format_version\": 2", "\"format_version\": 3");
        assert_eq!(
            from_json(&newer, "s.json").unwrap_err().to_string(),
            "snapshot s.json: format_version 3 is not supported; this build reads format_version 1 to 2"
        );
        // A version-1 snapshot (no definitions, no requirements) loads as version 2.
        let older = text.replace("\"format_version\": 2", "\"format_version\": 1");
        assert_eq!(from_json(&older, "s.json").unwrap(), schema);
        assert_eq!(
            from_json("{\"tables\": []}", "s.json")
                .unwrap_err()
                .to_string(),
            "snapshot s.json: no format_version field: not a schema snapshot"
        );
    }
}
