//! The binary interface between a host and a plugin, version [`ABI_VERSION`].
//!
//! Rust has no stable ABI, so nothing Rust-specific crosses the boundary: a plugin
//! exports one C function, [`ENTRY_SYMBOL`], that returns a pointer to a
//! [`PluginTable`] of `extern "C"` functions. Each function takes a JSON request as
//! bytes and returns a JSON response in a [`Buffer`] that the plugin allocated; the host
//! copies the bytes and hands the buffer back to the plugin's `free_buffer`, so memory
//! is always freed by the side that allocated it. The JSON documents are described in
//! [`crate::wire`] and in `docs/plugin-abi.md`.

/// The ABI version this crate implements. It is bumped on any change to the layout of
/// [`PluginTable`] or to the JSON of a request or a response; a host loads only plugins
/// of its own version.
pub const ABI_VERSION: u32 = 2;

/// The symbol every plugin exports, with the signature [`EntryFn`].
pub const ENTRY_SYMBOL: &str = "schema_replicator_plugin_entry";

/// The entry point: returns a pointer to a table that lives as long as the library
/// stays loaded, or null. It must not do anything else that can fail or panic.
pub type EntryFn = unsafe extern "C" fn() -> *const PluginTable;

/// A call: takes `request_len` bytes of JSON at `request` (valid for the duration of
/// the call only; the caller keeps ownership) and returns a JSON response allocated by
/// the plugin.
pub type CallFn = unsafe extern "C" fn(request: *const u8, request_len: usize) -> Buffer;

/// Gives a buffer returned by a [`CallFn`] back to the plugin that allocated it.
pub type FreeFn = unsafe extern "C" fn(buffer: Buffer);

/// Bytes allocated by a plugin and lent to the host until it calls
/// [`PluginTable::free_buffer`].
#[repr(C)]
#[derive(Debug)]
pub struct Buffer {
    /// The first byte; never null for a buffer a plugin returns.
    pub ptr: *mut u8,
    /// The number of bytes.
    pub len: usize,
}

impl Buffer {
    /// Hands the bytes over as a buffer; [`Buffer::into_vec`] in the same library takes
    /// them back.
    pub fn from_vec(bytes: Vec<u8>) -> Buffer {
        let bytes = Box::into_raw(bytes.into_boxed_slice());
        Buffer {
            ptr: bytes.cast::<u8>(),
            len: bytes.len(),
        }
    }

    /// Takes back the bytes of a buffer made by [`Buffer::from_vec`].
    ///
    /// # Safety
    ///
    /// The buffer must come from [`Buffer::from_vec`] in this same library (so the same
    /// allocator frees it), unchanged, and must not have been taken back before.
    pub unsafe fn into_vec(self) -> Vec<u8> {
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr, self.len);
        // SAFETY: by the caller's contract `slice` is exactly the pointer and length
        // `Box::into_raw` produced in `from_vec`, in this library, not freed yet.
        unsafe { Box::from_raw(slice) }.into_vec()
    }
}

/// The table a plugin's entry point returns. Its first field is the ABI version, in
/// every version of the ABI: a host reads that `u32` alone and checks it before it
/// reads anything else or calls any function.
///
/// The functions may be called from any thread, concurrently.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct PluginTable {
    /// Must equal the host's [`ABI_VERSION`].
    pub abi_version: u32,
    /// Request: ignored (empty). Response: [`crate::wire::Description`].
    pub describe: CallFn,
    /// Request: the identifier as a JSON string. Response: the quoted identifier.
    pub quote_ident: CallFn,
    /// Request: [`crate::wire::ReflectRequest`]. Response: a `Reflection`.
    pub reflect: CallFn,
    /// Request: [`crate::wire::RenderRequest`]. Response: a list of `Statement`s.
    pub render: CallFn,
    /// Request: [`crate::wire::ApplyRequest`]. Response: an `ApplyReport`.
    pub apply: CallFn,
    /// Request: [`crate::wire::UrlRequest`]. Response: a string, or `null` when the
    /// database is empty or does not exist yet.
    pub first_object: CallFn,
    /// Frees a buffer returned by any of the functions above.
    pub free_buffer: FreeFn,
}
