//! Database URLs, parsed just enough to pick a dialect, and always shown redacted.

use crate::error::{Error, Result};

/// A database URL: `scheme:rest`. Its [`Display`](std::fmt::Display) form hides any password.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    scheme: String,
    rest: String,
}

impl DbUrl {
    /// Parses `scheme:rest`. The scheme is lower-cased; the rest is kept verbatim.
    pub fn parse(input: &str) -> Result<DbUrl> {
        let Some((scheme, rest)) = input.split_once(':') else {
            return Err(Error::InvalidUrl {
                input: redact(input),
                reason: "it has no scheme (expected e.g. sqlite://path/to.db)".into(),
            });
        };
        let valid = scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
        if !valid {
            return Err(Error::InvalidUrl {
                input: redact(input),
                reason: format!("`{scheme}` is not a URL scheme"),
            });
        }
        Ok(DbUrl {
            scheme: scheme.to_ascii_lowercase(),
            rest: rest.to_owned(),
        })
    }

    /// Whether `input` looks like a URL (a scheme of two or more letters, then `:`),
    /// as opposed to a file path.
    pub fn looks_like_url(input: &str) -> bool {
        DbUrl::parse(input).is_ok()
    }

    /// The scheme, lower-cased, without the colon.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Everything after `scheme:`, verbatim (secrets included: never print it).
    pub fn rest(&self) -> &str {
        &self.rest
    }

    /// The full URL with its password, for handing to a driver only.
    pub fn expose(&self) -> String {
        format!("{}:{}", self.scheme, self.rest)
    }

    /// The passwords the URL carries (in the user-info part or as `password=`
    /// parameters), so that a dialect can mask them in a server's message.
    pub fn secrets(&self) -> Vec<String> {
        let full = self.expose();
        secret_spans(&full)
            .into_iter()
            .map(|r| full[r].to_owned())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A server's message folded to one line (`; ` between its lines), with every
    /// password of this URL masked: how dialects quote a driver's error.
    pub fn one_line(&self, message: &str) -> String {
        let mut text = message
            .lines()
            .map(|l| l.trim())
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        for secret in self.secrets() {
            text = text.replace(&secret, "***");
        }
        text
    }
}

impl std::fmt::Display for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.expose()))
    }
}

impl std::fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbUrl({self})")
    }
}

/// Where the passwords of `scheme://user:password@host/...` and of `password=` query or
/// key-value parameters are, in order.
fn secret_spans(url: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    if let Some(start) = url.find("://").map(|i| i + 3) {
        let authority_end = url[start..]
            .find(['/', '?', '#'])
            .map_or(url.len(), |i| start + i);
        if let Some(at) = url[start..authority_end].rfind('@').map(|i| start + i) {
            if let Some(colon) = url[start..at].find(':').map(|i| start + i) {
                spans.push(colon + 1..at);
            }
        }
    }
    let lower = url.to_ascii_lowercase();
    let mut i = 0;
    while let Some(pos) = lower[i..].find("password=").map(|p| i + p) {
        let value_start = pos + "password=".len();
        let value_end = url[value_start..]
            .find(['&', ' ', ';'])
            .map_or(url.len(), |e| value_start + e);
        spans.push(value_start..value_end);
        i = value_end;
    }
    spans
}

/// Hides the password of `scheme://user:password@host/...` and of `password=` query or
/// key-value parameters. Used for every URL that reaches a message.
pub fn redact(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut i = 0;
    for span in secret_spans(url) {
        out.push_str(&url[i..span.start]);
        out.push_str("***");
        i = span.end;
    }
    out.push_str(&url[i..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_messages_fold_to_one_line_without_the_password() {
        let url = DbUrl::parse("mysql://u:s3cret@h/db").unwrap();
        assert_eq!(
            url.one_line("FATAL:  password s3cret rejected\n\tsecond line\n"),
            "FATAL:  password *** rejected; second line"
        );
    }

    #[test]
    fn redacts_userinfo_password() {
        let url = DbUrl::parse("postgres://alice:s3cr%40t@db.example:5432/app").unwrap();
        assert_eq!(url.to_string(), "postgres://alice:***@db.example:5432/app");
        assert!(!format!("{url:?}").contains("s3cr"));
    }

    #[test]
    fn lists_the_secrets_it_redacts() {
        let url = DbUrl::parse("postgres://alice:s3cr%40t@db/app?password=two&x=1").unwrap();
        assert_eq!(url.secrets(), vec!["s3cr%40t".to_owned(), "two".to_owned()]);
        assert!(DbUrl::parse("sqlite://a.db").unwrap().secrets().is_empty());
    }

    #[test]
    fn redacts_password_parameters() {
        assert_eq!(
            redact("mysql://h/db?user=a&password=hunter2&ssl=1"),
            "mysql://h/db?user=a&password=***&ssl=1"
        );
        assert_eq!(
            redact("host=h PASSWORD=x dbname=d"),
            "host=h PASSWORD=*** dbname=d"
        );
    }

    #[test]
    fn keeps_urls_without_secrets() {
        assert_eq!(redact("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
        assert_eq!(redact("postgres://bob@h/db"), "postgres://bob@h/db");
    }

    #[test]
    fn rejects_non_urls_with_a_reason() {
        let err = DbUrl::parse("chinook.db").unwrap_err().to_string();
        assert_eq!(
            err,
            "`chinook.db` is not a database URL: it has no scheme (expected e.g. sqlite://path/to.db)"
        );
        assert!(!DbUrl::looks_like_url("C:\\data\\x.json"));
    }
}
