//! Applying statements in one transaction: all or nothing. A failure names the object
//! and the statement; a foreign key that meets orphan rows is explained with its
//! preflight query (how many rows, a few sample keys).

use diesel::connection::SimpleConnection;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use schema_replicator_core::{
    ApplyReport, DbUrl, Error, FkViolation, ObjectKind, Result, Statement,
};

#[derive(QueryableByName)]
struct Violations {
    #[diesel(sql_type = BigInt)]
    rows: i64,
    #[diesel(sql_type = Array<Text>)]
    samples: Vec<String>,
}

const ROLLED_BACK: &str = "nothing was applied (the batch runs in one transaction)";

/// The server's message with its detail, on one line.
fn message(url: &DbUrl, e: &DieselError) -> String {
    let text = match e {
        DieselError::DatabaseError(_, info) => match info.details() {
            Some(detail) => format!("{} ({detail})", info.message()),
            None => info.message().to_owned(),
        },
        other => other.to_string(),
    };
    url.one_line(&text)
}

pub(crate) fn apply(
    conn: &mut PgConnection,
    url: &DbUrl,
    statements: &[Statement],
) -> Result<ApplyReport> {
    let fail = |reason: String| Error::Apply {
        object: url.to_string(),
        reason,
        outcome: ROLLED_BACK.into(),
    };
    conn.batch_execute("BEGIN")
        .map_err(|e| fail(message(url, &e)))?;
    for statement in statements {
        if let Err(e) = conn.batch_execute(&statement.sql) {
            let reason = message(url, &e);
            conn.batch_execute("ROLLBACK")
                .map_err(|e| fail(message(url, &e)))?;
            return Err(explain(conn, statement, reason));
        }
    }
    conn.batch_execute("COMMIT")
        .map_err(|e| fail(message(url, &e)))?;
    Ok(ApplyReport {
        resumed: 0,
        statements: statements.len(),
        transactional: true,
    })
}

/// The error for a failed statement, with the offending rows counted where the
/// statement has a preflight query.
fn explain(conn: &mut PgConnection, statement: &Statement, reason: String) -> Error {
    let object = statement.describe();
    let found = statement.preflight.as_ref().and_then(|sql| {
        diesel::sql_query(sql)
            .load::<Violations>(conn)
            .ok()
            .and_then(|v| v.into_iter().next())
            .filter(|v| v.rows > 0)
    });
    let is_fk = statement
        .objects
        .iter()
        .any(|o| o.kind == ObjectKind::ForeignKey);
    match found {
        Some(v) if is_fk => Error::ForeignKeyViolations(vec![FkViolation {
            foreign_key: object,
            rows: v.rows as u64,
            samples: v.samples,
        }]),
        Some(v) => Error::Apply {
            object,
            reason: format!(
                "{reason}; {} offending {} (e.g. {}) in statement `{}`",
                v.rows,
                if v.rows == 1 { "row" } else { "rows" },
                v.samples.join(", "),
                statement.excerpt()
            ),
            outcome: ROLLED_BACK.into(),
        },
        None => Error::Apply {
            object,
            reason: format!("{reason} in statement `{}`", statement.excerpt()),
            outcome: ROLLED_BACK.into(),
        },
    }
}
