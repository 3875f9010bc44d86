//! The host side (feature `host`): loads plugins with `libloading` and wraps each in a
//! [`PluginDialect`], which implements [`Dialect`] like any compiled-in dialect.
//!
//! Loading a library runs its initialisation code, so only load plugins you trust, as
//! you would only run programs you trust.

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use libloading::Library;
use schema_replicator_core::{
    ApplyReport, Capabilities, DbUrl, Dialect, Error, Origin, Plan, ReflectOptions, Reflection,
    Registry, Result, Schema, Statement, FORMAT_VERSION,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::abi::{Buffer, CallFn, EntryFn, PluginTable, ABI_VERSION, ENTRY_SYMBOL};
use crate::wire::{ApplyRequest, Description, ReflectRequest, RenderRequest, Response, UrlRequest};

/// The environment variable that lists directories of plugins, separated like `PATH`
/// (`:` on Unix, `;` on Windows). Every shared library in them is loaded.
pub const PLUGIN_PATH_ENV: &str = "SCHEMA_REPLICATOR_PLUGIN_PATH";

/// A dialect served by a plugin library. The library stays loaded as long as the value
/// (or a clone of its registry entry) lives.
pub struct PluginDialect {
    path: String,
    description: Description,
    table: PluginTable,
    // Declared last: dropped (and unloaded) after everything that points into it.
    _library: Arc<Library>,
}

impl std::fmt::Debug for PluginDialect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginDialect")
            .field("path", &self.path)
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

fn failure(path: &str, reason: impl Into<String>) -> Error {
    Error::Plugin {
        path: path.to_owned(),
        reason: reason.into(),
    }
}

impl PluginDialect {
    /// Loads the plugin at `path`: opens the library, finds its entry symbol, checks
    /// its ABI version before anything else, then asks it to describe its dialect.
    pub fn load(path: &Path) -> Result<PluginDialect> {
        let shown = path.display().to_string();
        if !path.exists() {
            return Err(failure(&shown, "no such file"));
        }
        if path.is_dir() {
            return Err(failure(
                &shown,
                "it is a directory (directories of plugins go in SCHEMA_REPLICATOR_PLUGIN_PATH)",
            ));
        }
        // A bare file name would make the loader search the system's library paths
        // instead of the current directory.
        let path = if path.parent() == Some(Path::new("")) {
            Path::new(".").join(path)
        } else {
            path.to_owned()
        };
        // SAFETY: loading a library runs its initialisers. The user named this file as
        // a plugin, and plugins are trusted code (see the module documentation).
        let library = unsafe { Library::new(&path) }.map_err(|e| {
            let reason = e.to_string();
            // dlopen's message starts with the path, which ours names already.
            let reason = reason
                .strip_prefix(&format!("{}: ", path.display()))
                .unwrap_or(&reason)
                .to_owned();
            failure(
                &shown,
                format!("cannot load it as a shared library: {reason}"),
            )
        })?;
        // SAFETY: `EntryFn` is the signature the ABI fixes for this symbol; a library
        // that exports the name with another signature breaks the ABI contract.
        let entry = unsafe { library.get::<EntryFn>(ENTRY_SYMBOL.as_bytes()) }.map_err(|_| {
            failure(
                &shown,
                format!(
                    "it exports no `{ENTRY_SYMBOL}` symbol: it is not a Schema Replicator plugin"
                ),
            )
        })?;
        // SAFETY: the entry point takes no argument and only returns a pointer.
        let pointer = unsafe { entry() };
        if pointer.is_null() {
            return Err(failure(&shown, "its entry point returned no table"));
        }
        // SAFETY: in every version of the ABI the table starts with its `u32` version,
        // so reading that field alone is valid whatever the plugin's version.
        let version = unsafe { pointer.cast::<u32>().read() };
        if version != ABI_VERSION {
            return Err(failure(
                &shown,
                format!(
                    "it implements plugin ABI version {version}; this build implements version \
                     {ABI_VERSION} (rebuild the plugin against schema-replicator-plugin {})",
                    env!("CARGO_PKG_VERSION")
                ),
            ));
        }
        // SAFETY: the version matches, so the pointer is to a `PluginTable` of this
        // layout, alive while the library is loaded; it is copied, and `library` is kept
        // alongside the copy.
        let table = unsafe { pointer.read() };
        let description: Description = call(&shown, &table, "describe", table.describe, &())?;
        if description.format_version != FORMAT_VERSION {
            return Err(failure(
                &shown,
                format!(
                    "its dialect `{}` uses IR format_version {}; this build uses format_version \
                     {FORMAT_VERSION}",
                    description.name, description.format_version
                ),
            ));
        }
        if description.url_schemes.is_empty() {
            return Err(failure(
                &shown,
                format!("its dialect `{}` claims no URL scheme", description.name),
            ));
        }
        Ok(PluginDialect {
            path: shown,
            description,
            table,
            _library: Arc::new(library),
        })
    }

    /// The library's path, as given.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn call<T: DeserializeOwned>(
        &self,
        function: &str,
        f: CallFn,
        request: &impl Serialize,
    ) -> Result<T> {
        call(&self.path, &self.table, function, f, request)
    }
}

/// Calls one function of a plugin's table and reads its response.
fn call<T: DeserializeOwned>(
    path: &str,
    table: &PluginTable,
    function: &str,
    f: CallFn,
    request: &impl Serialize,
) -> Result<T> {
    let request = serde_json::to_vec(request).map_err(|e| {
        failure(
            path,
            format!("cannot encode the request of {function}: {e}"),
        )
    })?;
    // SAFETY: `request` is valid for its length during the call; `f` comes from a table
    // whose ABI version was checked, in a library that is still loaded.
    let buffer = unsafe { f(request.as_ptr(), request.len()) };
    if buffer.ptr.is_null() {
        return Err(failure(path, format!("{function} returned a null buffer")));
    }
    // SAFETY: the plugin lends `len` bytes at `ptr` until `free_buffer`; they are copied
    // first, and the buffer is given back exactly once, unchanged.
    let response = unsafe { std::slice::from_raw_parts(buffer.ptr, buffer.len) }.to_vec();
    // SAFETY: as above: the buffer came from this table's function and is freed once.
    unsafe { free(table, buffer) };
    match serde_json::from_slice::<Response<T>>(&response) {
        Ok(Response::Ok(value)) => Ok(value),
        Ok(Response::Error(error)) => Err(error.into_error(path, function)),
        Err(e) => Err(failure(
            path,
            format!("{function} returned invalid JSON: {e}"),
        )),
    }
}

/// # Safety
///
/// `buffer` must come from a function of `table`, unchanged, not freed before.
unsafe fn free(table: &PluginTable, buffer: Buffer) {
    // SAFETY: forwarded from this function's contract.
    unsafe { (table.free_buffer)(buffer) }
}

impl Dialect for PluginDialect {
    fn name(&self) -> &str {
        &self.description.name
    }

    fn url_schemes(&self) -> Vec<String> {
        self.description.url_schemes.clone()
    }

    fn capabilities(&self) -> Capabilities {
        self.description.capabilities
    }

    /// Asks the plugin; should the plugin fail, quotes the SQL-standard way (double
    /// quotes, embedded ones doubled), since this method cannot return an error.
    fn quote_ident(&self, ident: &str) -> String {
        self.call("quote_ident", self.table.quote_ident, &ident)
            .unwrap_or_else(|_| format!("\"{}\"", ident.replace('"', "\"\"")))
    }

    fn reflect(&self, url: &DbUrl, options: &ReflectOptions) -> Result<Reflection> {
        let request = ReflectRequest {
            url: url.expose().into(),
            options: std::borrow::Cow::Borrowed(options),
        };
        self.call("reflect", self.table.reflect, &request)
    }

    fn render(&self, schema: &Schema, plan: &Plan) -> Result<Vec<Statement>> {
        let request = RenderRequest {
            schema: std::borrow::Cow::Borrowed(schema),
            plan: std::borrow::Cow::Borrowed(plan),
        };
        self.call("render", self.table.render, &request)
    }

    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport> {
        let request = ApplyRequest {
            url: url.expose().into(),
            statements: statements.into(),
        };
        self.call("apply", self.table.apply, &request)
    }

    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        let request = UrlRequest {
            url: url.expose().into(),
        };
        self.call("first_object", self.table.first_object, &request)
    }
}

/// The plugins in a directory: every file with the platform's shared-library
/// extension (`.so`, `.dylib`, `.dll`), sorted by name.
pub fn plugins_in(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        failure(
            &dir.display().to_string(),
            format!("cannot list the directory named in {PLUGIN_PATH_ENV}: {e}"),
        )
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| Error::Io {
                path: dir.to_owned(),
                source,
            })?
            .path();
        if path.extension() == Some(OsStr::new(std::env::consts::DLL_EXTENSION)) && path.is_file() {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// Loads plugins into `registry`: first every plugin in the directories listed by
/// `search_path` (the value of [`PLUGIN_PATH_ENV`]), in order, then each of `explicit`.
///
/// The same file named twice is loaded once. Two dialects that claim one URL scheme
/// fail with `Error::SchemeConflict`; a file that is not a working plugin fails with
/// `Error::Plugin` naming it.
pub fn load_plugins(
    registry: &mut Registry,
    explicit: &[PathBuf],
    search_path: Option<&OsStr>,
) -> Result<()> {
    let mut paths = Vec::new();
    if let Some(search_path) = search_path {
        for dir in std::env::split_paths(search_path) {
            if dir.as_os_str().is_empty() {
                continue;
            }
            if !dir.is_dir() {
                return Err(failure(
                    &dir.display().to_string(),
                    format!("{PLUGIN_PATH_ENV} lists it, but it is not a directory"),
                ));
            }
            paths.extend(plugins_in(&dir)?);
        }
    }
    paths.extend(explicit.iter().cloned());
    let mut loaded = BTreeSet::new();
    for path in paths {
        // Different spellings of one file load it once.
        let identity = path.canonicalize().unwrap_or_else(|_| path.clone());
        if !loaded.insert(identity) {
            continue;
        }
        let dialect = PluginDialect::load(&path)?;
        let origin = Origin::Plugin(dialect.path().to_owned());
        registry.add(Arc::new(dialect), origin)?;
    }
    Ok(())
}
