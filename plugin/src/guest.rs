//! The plugin side: turns any [`Dialect`] into the [`PluginTable`] of the ABI.
//!
//! Plugin authors call [`export_dialect!`](crate::export_dialect); the functions here
//! are public so that a plugin can also assemble its table by hand. Every call is
//! guarded: a panic is caught here, inside the plugin, and returned as an error
//! response, so it never unwinds into the host.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

use schema_replicator_core::{DbUrl, Dialect, Result, FORMAT_VERSION};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::abi::{Buffer, PluginTable, ABI_VERSION};
use crate::wire::{
    ApplyRequest, Description, ReflectRequest, RenderRequest, Response, UrlRequest, WireError,
};

/// Gives the exported functions the dialect they serve. [`export_dialect!`]
/// implements it for a hidden type; implement it yourself to build a table by hand.
///
/// [`export_dialect!`]: crate::export_dialect
pub trait Export {
    /// The dialect, created on first use and kept for the life of the library.
    fn dialect() -> &'static dyn Dialect;
}

/// The table of a plugin that exports `E`'s dialect.
pub const fn table<E: Export>() -> PluginTable {
    PluginTable {
        abi_version: ABI_VERSION,
        describe: describe::<E>,
        quote_ident: quote_ident::<E>,
        reflect: reflect::<E>,
        render: render::<E>,
        apply: apply::<E>,
        first_object: first_object::<E>,
        free_buffer,
    }
}

/// `describe`: the dialect's name, URL schemes, capabilities and IR format version.
///
/// # Safety
///
/// `request` must be valid for reads of `request_len` bytes, or `request_len` must be 0.
pub unsafe extern "C" fn describe<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(
            request,
            request_len,
            "describe",
            |_: serde::de::IgnoredAny| {
                let dialect = E::dialect();
                Ok(Description {
                    name: dialect.name().to_owned(),
                    url_schemes: dialect.url_schemes(),
                    capabilities: dialect.capabilities(),
                    format_version: FORMAT_VERSION,
                })
            },
        )
    }
}

/// `quote_ident`: quotes one identifier.
///
/// # Safety
///
/// As for [`describe`].
pub unsafe extern "C" fn quote_ident<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(request, request_len, "quote_ident", |ident: String| {
            Ok(E::dialect().quote_ident(&ident))
        })
    }
}

/// `reflect`: reads the schema at a URL.
///
/// # Safety
///
/// As for [`describe`].
pub unsafe extern "C" fn reflect<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(
            request,
            request_len,
            "reflect",
            |r: ReflectRequest<'static>| E::dialect().reflect(&DbUrl::parse(&r.url)?, &r.options),
        )
    }
}

/// `render`: turns a plan into statements.
///
/// # Safety
///
/// As for [`describe`].
pub unsafe extern "C" fn render<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(
            request,
            request_len,
            "render",
            |r: RenderRequest<'static>| E::dialect().render(&r.schema, &r.plan),
        )
    }
}

/// `apply`: runs statements against a URL.
///
/// # Safety
///
/// As for [`describe`].
pub unsafe extern "C" fn apply<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(request, request_len, "apply", |r: ApplyRequest<'static>| {
            E::dialect().apply(&DbUrl::parse(&r.url)?, &r.statements)
        })
    }
}

/// `first_object`: some object the database holds, or `null`.
///
/// # Safety
///
/// As for [`describe`].
pub unsafe extern "C" fn first_object<E: Export>(request: *const u8, request_len: usize) -> Buffer {
    // SAFETY: forwarded from this function's own contract.
    unsafe {
        serve(
            request,
            request_len,
            "first_object",
            |r: UrlRequest<'static>| E::dialect().first_object(&DbUrl::parse(&r.url)?),
        )
    }
}

/// `free_buffer`: frees a buffer that one of this library's functions returned.
///
/// # Safety
///
/// `buffer` must have been returned by a function of this library's table, unchanged,
/// and not freed before.
pub unsafe extern "C" fn free_buffer(buffer: Buffer) {
    // SAFETY: this library's functions build every buffer with `Buffer::from_vec`, and
    // the caller gives each back once, unchanged.
    drop(unsafe { buffer.into_vec() });
}

/// Reads the request, runs `call` with panics caught, and returns the response.
///
/// # Safety
///
/// `request` must be valid for reads of `request_len` bytes during the call, or
/// `request_len` must be 0.
unsafe fn serve<Req, T>(
    request: *const u8,
    request_len: usize,
    function: &str,
    call: impl FnOnce(Req) -> Result<T>,
) -> Buffer
where
    Req: DeserializeOwned,
    T: Serialize,
{
    let request: &[u8] = if request_len == 0 || request.is_null() {
        &[]
    } else {
        // SAFETY: by the caller's contract `request` is valid for `request_len` bytes,
        // and the host does not change them during the call.
        unsafe { std::slice::from_raw_parts(request, request_len) }
    };
    let outcome = guarded(|| {
        let request: Req = serde_json::from_slice(request).map_err(|e| WireError::Other {
            message: format!("cannot read the host's request: {e}"),
        })?;
        call(request).map_err(|error| WireError::from(&error))
    });
    let response = match outcome {
        Ok(Ok(value)) => Response::Ok(value),
        Ok(Err(error)) => Response::Error(error),
        Err(message) => Response::Error(WireError::Panic { message }),
    };
    let json = serde_json::to_vec(&response).unwrap_or_else(|e| {
        let error = Response::<()>::Error(WireError::Other {
            message: format!("cannot serialise the response of {function}: {e}"),
        });
        serde_json::to_vec(&error).unwrap_or_default()
    });
    Buffer::from_vec(json)
}

thread_local! {
    /// Whether this thread is inside a guarded call.
    static GUARDED: Cell<bool> = const { Cell::new(false) };
    /// Where the last guarded panic happened, recorded by the panic hook.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Runs `f`, catching a panic as its message (`file:line:col: message`). Inside a
/// guarded call the panic hook records the location instead of printing, so the host
/// sees one error and no panic output.
fn guarded<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if GUARDED.with(Cell::get) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LOCATION.with(|cell| *cell.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
    let outer = GUARDED.with(|g| g.replace(true));
    let result = catch_unwind(AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(outer));
    result.map_err(|payload| {
        let message = panic_message(payload.as_ref());
        match LOCATION.with(|cell| cell.borrow_mut().take()) {
            Some(location) => format!("{location}: {message}"),
            None => format!("an unknown location: {message}"),
        }
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Exports a dialect as a plugin: defines the entry symbol
/// `schema_replicator_plugin_entry` of a `cdylib` crate, returning the table of
/// [`guest::table`](crate::guest::table) for the dialect that `$dialect` builds.
///
/// ```text
/// // src/lib.rs of a crate with `crate-type = ["cdylib"]`
/// schema_replicator_plugin::export_dialect!(my_dialect::MyDialect::default());
/// ```
///
/// `$dialect` is evaluated once, on the first call, inside the panic guard.
#[macro_export]
macro_rules! export_dialect {
    ($dialect:expr) => {
        const _: () = {
            struct Exported;

            impl $crate::guest::Export for Exported {
                fn dialect() -> &'static dyn $crate::Dialect {
                    static DIALECT: ::std::sync::OnceLock<::std::boxed::Box<dyn $crate::Dialect>> =
                        ::std::sync::OnceLock::new();
                    &**DIALECT.get_or_init(|| ::std::boxed::Box::new($dialect))
                }
            }

            static TABLE: $crate::abi::PluginTable = $crate::guest::table::<Exported>();

            /// The plugin's entry point (Schema Replicator plugin ABI).
            #[unsafe(no_mangle)]
            pub extern "C" fn schema_replicator_plugin_entry() -> *const $crate::abi::PluginTable {
                &TABLE
            }
        };
    };
}
