//! A session on the server's text protocol, beside diesel's, for the one statement
//! reflection needs that diesel cannot run: diesel prepares every query, and the server
//! returns no columns for a prepared `SHOW CREATE TRIGGER` (`No metadata exists`). It
//! is the only place that gives a trigger's statement as typed, and its body in full
//! UTF-8 (`information_schema` is utf8mb3).
//!
//! The session talks to the MySQL client library that diesel links
//! (`mysqlclient-sys`), with the URL's host, port, user, password, database and
//! `unix_socket`. A URL with other parameters (TLS settings) is not opened here, and
//! reflection keeps the heads it rebuilds from the catalog, with a warning.

use std::ffi::{c_char, c_uint, c_ulong, c_void, CStr, CString};
use std::ptr::NonNull;

use mysqlclient_sys as ffi;
use schema_replicator_core::DbUrl;

/// An open text-protocol session; closed when dropped.
pub(crate) struct TextSession(NonNull<ffi::MYSQL>);

/// What connecting needs, each as a C string (or none).
struct Target {
    host: Option<CString>,
    user: Option<CString>,
    password: Option<CString>,
    database: Option<CString>,
    socket: Option<CString>,
    port: c_uint,
}

fn c_string(text: &str) -> Result<CString, String> {
    CString::new(text).map_err(|_| "a URL part holds a NUL byte".to_owned())
}

fn decoded(text: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|e| e.to_string())
}

/// The parts of a `mysql://` or `mariadb://` URL a session needs.
fn target(url: &DbUrl) -> Result<Target, String> {
    let exposed = format!("mysql:{}", url.rest());
    let parsed = url::Url::parse(&exposed).map_err(|e| e.to_string())?;
    let mut socket = None;
    for (key, value) in parsed.query_pairs() {
        match key.as_ref() {
            "unix_socket" => socket = Some(c_string(&value)?),
            other => return Err(format!("the URL parameter `{other}` is not supported here")),
        }
    }
    let user = decoded(parsed.username())?;
    Ok(Target {
        host: parsed.host_str().map(c_string).transpose()?,
        user: (!user.is_empty()).then(|| c_string(&user)).transpose()?,
        password: parsed
            .password()
            .map(|p| decoded(p).and_then(|p| c_string(&p)))
            .transpose()?,
        database: Some(c_string(&decoded(parsed.path().trim_start_matches('/'))?)?),
        socket,
        port: c_uint::from(parsed.port().unwrap_or(3306)),
    })
}

fn ptr(value: &Option<CString>) -> *const c_char {
    value.as_ref().map_or(std::ptr::null(), |v| v.as_ptr())
}

impl TextSession {
    /// Connects to the database `url` names, in UTF-8 (utf8mb4).
    pub(crate) fn open(url: &DbUrl) -> Result<TextSession, String> {
        let target = target(url)?;
        let charset = c_string("utf8mb4")?;
        // SAFETY: `mysql_init(NULL)` allocates a handle, owned by the session from here
        // on and closed by its drop; every pointer passed below outlives the call.
        unsafe {
            let raw = NonNull::new(ffi::mysql_init(std::ptr::null_mut()))
                .ok_or("the client library could not allocate a connection")?;
            let session = TextSession(raw);
            ffi::mysql_options(
                raw.as_ptr(),
                ffi::mysql_option::MYSQL_SET_CHARSET_NAME,
                charset.as_ptr() as *const c_void,
            );
            let connected = ffi::mysql_real_connect(
                raw.as_ptr(),
                ptr(&target.host),
                ptr(&target.user),
                ptr(&target.password),
                ptr(&target.database),
                target.port,
                ptr(&target.socket),
                0,
            );
            if connected.is_null() {
                return Err(session.error());
            }
            Ok(session)
        }
    }

    /// The session's last error message.
    fn error(&self) -> String {
        // SAFETY: the handle is open; the message is a NUL-terminated string it owns.
        unsafe { CStr::from_ptr(ffi::mysql_error(self.0.as_ptr())) }
            .to_string_lossy()
            .into_owned()
    }

    /// The first row `sql` returns, each value as text (`None` for NULL), or `None`
    /// when it returns no row.
    pub(crate) fn first_row(&mut self, sql: &str) -> Result<Option<Vec<Option<String>>>, String> {
        let raw = self.0.as_ptr();
        // SAFETY: the handle is open; the result is freed before returning, and the row
        // and lengths it returns are read within its life, each value within its length.
        unsafe {
            if ffi::mysql_real_query(raw, sql.as_ptr() as *const c_char, sql.len() as c_ulong) != 0
            {
                return Err(self.error());
            }
            let result = ffi::mysql_store_result(raw);
            if result.is_null() {
                return Err(self.error());
            }
            let fields = ffi::mysql_num_fields(result) as usize;
            let row = ffi::mysql_fetch_row(result);
            let values = if row.is_null() {
                None
            } else {
                let lengths = ffi::mysql_fetch_lengths(result);
                Some(
                    (0..fields)
                        .map(|i| {
                            let value = *row.add(i);
                            (!value.is_null()).then(|| {
                                let length = *lengths.add(i) as usize;
                                let bytes = std::slice::from_raw_parts(value as *const u8, length);
                                String::from_utf8_lossy(bytes).into_owned()
                            })
                        })
                        .collect(),
                )
            };
            ffi::mysql_free_result(result);
            Ok(values)
        }
    }
}

impl Drop for TextSession {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by `mysql_init` and is closed once, here.
        unsafe { ffi::mysql_close(self.0.as_ptr()) }
    }
}
