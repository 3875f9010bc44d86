//! A plugin that misbehaves on request, for the host's tests. Its dialect, `misbehaving`,
//! handles URLs `misbehaving://<what>`:
//!
//! - `misbehaving://empty` reflects an empty schema, and applies nothing;
//! - `misbehaving://panic`: every call panics;
//! - `misbehaving://invalid-json`: `reflect` answers bytes that are not JSON.
//!
//! With `MISBEHAVING_PLUGIN_ABI=<n>` in the environment, the table claims ABI version `n`.

use schema_replicator_core::{
    ApplyReport, Capabilities, DbUrl, Dialect, Plan, ReflectOptions, Reflection, Result, Schema,
    Statement,
};
use schema_replicator_plugin::abi::{Buffer, PluginTable};
use schema_replicator_plugin::guest::{self, Export};

/// The dialect behind the misbehaviour.
struct Misbehaving;

fn obey(url: &DbUrl) {
    if url.rest() == "//panic" {
        panic!("told to panic by {url}");
    }
}

impl Dialect for Misbehaving {
    fn name(&self) -> &str {
        "misbehaving"
    }

    fn url_schemes(&self) -> Vec<String> {
        vec!["misbehaving".into()]
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::new(false, true, true)
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("`{}`", ident.replace('`', "``"))
    }

    fn reflect(&self, url: &DbUrl, _options: &ReflectOptions) -> Result<Reflection> {
        obey(url);
        Ok(Reflection {
            schema: Schema::new("misbehaving"),
            queries: 0,
        })
    }

    fn render(&self, _schema: &Schema, _plan: &Plan) -> Result<Vec<Statement>> {
        Ok(Vec::new())
    }

    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport> {
        obey(url);
        Ok(ApplyReport::one_by_one(statements.len()))
    }

    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        obey(url);
        Ok(None)
    }
}

struct Exported;

impl Export for Exported {
    fn dialect() -> &'static dyn Dialect {
        &Misbehaving
    }
}

/// `reflect`, except that `misbehaving://invalid-json` gets bytes that are not JSON.
///
/// # Safety
///
/// As for [`guest::reflect`].
unsafe extern "C" fn reflect(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: the host passes `request_len` readable bytes, as the ABI requires.
    let bytes = unsafe { std::slice::from_raw_parts(request, request_len) };
    if String::from_utf8_lossy(bytes).contains("misbehaving://invalid-json") {
        return Buffer::from_vec(b"{\"ok\": {\"schema\": ".to_vec());
    }
    // SAFETY: forwarded from this function's own contract.
    unsafe { guest::reflect::<Exported>(request, request_len) }
}

static TABLE: PluginTable = PluginTable {
    reflect,
    ..guest::table::<Exported>()
};

/// The entry point, with the ABI version overridden by `MISBEHAVING_PLUGIN_ABI`.
#[unsafe(no_mangle)]
pub extern "C" fn schema_replicator_plugin_entry() -> *const PluginTable {
    static WRONG: std::sync::OnceLock<Option<PluginTable>> = std::sync::OnceLock::new();
    let wrong = WRONG.get_or_init(|| {
        let version = std::env::var("MISBEHAVING_PLUGIN_ABI").ok()?.parse().ok()?;
        Some(PluginTable {
            abi_version: version,
            ..TABLE
        })
    });
    match wrong {
        Some(table) => table,
        None => &TABLE,
    }
}
