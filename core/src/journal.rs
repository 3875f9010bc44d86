//! Helpers for dialects whose apply keeps a journal in the target, so that a re-run of
//! the same batch resumes: the batch's digest and the words for what stays applied.
//! The driver of such an apply, which uses them, is [`crate::journaled`].

use crate::statement::Statement;

/// A stable 64-bit digest (FNV-1a) of a batch's SQL: how a journal recognises a re-run
/// of the same batch (the same command with the same arguments).
pub fn batch_digest(statements: &[Statement]) -> u64 {
    sql_digest(statements.iter().map(|s| s.sql.as_str()))
}

/// [`batch_digest`] of statements given by their SQL alone.
pub fn sql_digest<'a>(sql: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for text in sql {
        for byte in text.bytes().chain([0u8]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// What a journaled run that stopped leaves behind, after `applied` of `total` units
/// (`unit`: `statement`, `group`) are done: the end of its error message. `journal`
/// names the table; a run whose target's catalog is its journal (each unit commits
/// whole, and a re-run skips what the target holds) names none.
pub fn kept(applied: usize, total: usize, unit: &str, journal: &str, why: &str) -> String {
    let done = match applied {
        0 => return "nothing was applied".into(),
        1 => format!("{unit} 1 of {total} is applied and stays so"),
        n => format!("{n} of {total} {unit}s are applied and stay so"),
    };
    if journal.is_empty() {
        return format!(
            "{done}{why}: fix the cause and re-run the same command to apply the rest (it \
             skips what the target holds)"
        );
    }
    format!(
        "{done}{why}, recorded in {journal}: fix the cause and re-run the same command to \
         resume"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_batch_digest_depends_on_every_statement() {
        let a = vec![Statement::new(None, vec![], "CREATE TABLE a (x int)")];
        let b = vec![Statement::new(None, vec![], "CREATE TABLE b (x int)")];
        assert_ne!(batch_digest(&a), batch_digest(&b));
        assert_eq!(batch_digest(&a), batch_digest(&a.clone()));
    }

    #[test]
    fn what_stays_applied_is_said() {
        assert_eq!(kept(0, 3, "statement", "j", ""), "nothing was applied");
        assert_eq!(
            kept(1, 3, "statement", "j", " (why)"),
            "statement 1 of 3 is applied and stays so (why), recorded in j: fix the cause \
             and re-run the same command to resume"
        );
        assert!(kept(2, 3, "statement", "j", "")
            .starts_with("2 of 3 statements are applied and stay so,"));
        assert_eq!(
            kept(2, 3, "group", "", ""),
            "2 of 3 groups are applied and stay so: fix the cause and re-run the same \
             command to apply the rest (it skips what the target holds)"
        );
    }
}
