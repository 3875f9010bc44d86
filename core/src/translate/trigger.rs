//! MySQL and SQLite row triggers translated for PostgreSQL, where that is faithful: a
//! `BEFORE` or `AFTER` `INSERT`, `UPDATE [OF ...]` or `DELETE` trigger `FOR EACH ROW`
//! whose body is `SET NEW.c = ...` assignments and `INSERT ... VALUES`, `UPDATE` and
//! `DELETE` statements over portable expressions ([`super::expr`]) becomes a PL/pgSQL
//! trigger function and a trigger that runs it. Every other trigger is refused with
//! the reason (`INSTEAD OF`, `FOLLOWS`, control flow, a function with no faithful
//! translation, ...).
//!
//! SQLite runs a trigger's statements without firing that trigger again
//! (`recursive_triggers` is off by default); the function keeps that with a
//! transaction-local setting it holds while it runs. MySQL refuses a trigger's
//! statement on its own table, so its triggers never recurse.

use sqlparser::ast::{FromTable, SetExpr, Statement, VisitMut};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

use super::expr::{grammar, Rewrite};

/// A trigger for PostgreSQL: its function's `CREATE FUNCTION` and its `CREATE TRIGGER`.
pub(crate) struct PgTrigger {
    /// `CREATE FUNCTION ... RETURNS trigger`.
    pub function: String,
    /// `CREATE TRIGGER ... EXECUTE FUNCTION ...`.
    pub trigger: String,
}

/// Where the parse of a trigger's text stands.
struct Words {
    tokens: Vec<Token>,
    at: usize,
}

impl Words {
    fn skip_space(&mut self) {
        while matches!(self.tokens.get(self.at), Some(Token::Whitespace(_))) {
            self.at += 1;
        }
    }

    /// The next word, upper case, unless it is quoted.
    fn peek_word(&mut self) -> Option<String> {
        self.skip_space();
        match self.tokens.get(self.at) {
            Some(Token::Word(w)) if w.quote_style.is_none() => Some(w.value.to_uppercase()),
            _ => None,
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.peek_word().as_deref() == Some(word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// A possibly qualified name; its last part.
    fn name(&mut self) -> Option<String> {
        self.skip_space();
        let mut last = match self.tokens.get(self.at) {
            Some(Token::Word(w)) => w.value.clone(),
            _ => return None,
        };
        self.at += 1;
        while matches!(self.tokens.get(self.at), Some(Token::Period)) {
            self.at += 1;
            match self.tokens.get(self.at) {
                Some(Token::Word(w)) => last = w.value.clone(),
                _ => return None,
            }
            self.at += 1;
        }
        Some(last)
    }

    /// The text of tokens `from..to`.
    fn text(&self, from: usize, to: usize) -> String {
        self.tokens[from..to]
            .iter()
            .map(|t| t.to_string())
            .collect()
    }
}

/// `sql`, a trigger of `source` (`mysql` or `sqlite`), for PostgreSQL: its function
/// is `function`, its table `table` and its name `name`, each as PostgreSQL's deparser
/// writes it (so the trigger reads back as it was written); `guard` names the transaction-local setting that keeps a SQLite
/// trigger from firing itself. `Err` says why it is not translated.
pub(crate) fn to_postgres(
    sql: &str,
    source: &str,
    name: &str,
    table: &str,
    function: &str,
    guard: &str,
) -> Result<PgTrigger, String> {
    let grammar = grammar(source);
    let tokens = Tokenizer::new(grammar.as_ref(), sql)
        .with_unescape(false)
        .tokenize()
        .map_err(|e| format!("its text does not parse as {source} SQL ({e})"))?;
    let mut w = Words { tokens, at: 0 };
    if !w.eat("CREATE") {
        return Err("its text is not a CREATE TRIGGER".into());
    }
    let _ = w.eat("TEMP") || w.eat("TEMPORARY");
    if !w.eat("TRIGGER") {
        return Err("its text is not a CREATE TRIGGER".into());
    }
    if w.eat("IF") && !(w.eat("NOT") && w.eat("EXISTS")) {
        return Err("its text is not a CREATE TRIGGER".into());
    }
    w.name().ok_or("its text names no trigger")?;
    let timing = match w.peek_word().as_deref() {
        Some("BEFORE") => "BEFORE",
        Some("AFTER") => "AFTER",
        Some("INSTEAD") => return Err("an INSTEAD OF trigger has no faithful translation".into()),
        _ => "BEFORE", // SQLite's default
    };
    if w.peek_word().as_deref() == Some(timing) {
        w.at += 1;
    }
    let event = match w.peek_word().as_deref() {
        Some(e @ ("INSERT" | "DELETE" | "UPDATE")) => e.to_owned(),
        _ => return Err("its event is not INSERT, UPDATE or DELETE".into()),
    };
    w.at += 1;
    let mut of = Vec::new();
    if event == "UPDATE" && w.eat("OF") {
        loop {
            of.push(w.name().ok_or("its UPDATE OF lists no column")?);
            w.skip_space();
            if matches!(w.tokens.get(w.at), Some(Token::Comma)) {
                w.at += 1;
            } else {
                break;
            }
        }
    }
    if !w.eat("ON") {
        return Err("its text names no table".into());
    }
    w.name().ok_or("its text names no table")?;
    if w.eat("FOR") && !(w.eat("EACH") && w.eat("ROW")) {
        return Err("a statement-level trigger has no faithful translation".into());
    }
    if matches!(w.peek_word().as_deref(), Some("FOLLOWS" | "PRECEDES")) {
        return Err("its FOLLOWS or PRECEDES order has no PostgreSQL equivalent".into());
    }
    let mut when = None;
    if w.eat("WHEN") {
        let from = w.at;
        while w.at < w.tokens.len() && w.peek_word().as_deref() != Some("BEGIN") {
            w.at += 1;
        }
        let text = w.text(from, w.at);
        when = Some(expression(&text, source)?);
    }
    // The body: BEGIN statements END, or one statement.
    w.skip_space();
    let rest_from = w.at;
    let body = if w.eat("BEGIN") {
        let mut end = w.tokens.len();
        while end > w.at {
            end -= 1;
            match &w.tokens[end] {
                Token::Whitespace(_) | Token::SemiColon => continue,
                Token::Word(word) if word.value.eq_ignore_ascii_case("END") => break,
                _ => return Err("its body does not end with END".into()),
            }
        }
        w.text(w.at, end)
    } else {
        w.text(rest_from, w.tokens.len())
    };
    let mut statements = Vec::new();
    for statement in split(&body, source)? {
        statements.push(translate_statement(&statement, source)?);
    }
    if statements.is_empty() {
        return Err("its body is empty".into());
    }
    let returns = match (timing, event.as_str()) {
        ("BEFORE", "DELETE") => "OLD",
        ("BEFORE", _) => "NEW",
        _ => "NULL",
    };
    let body = statements
        .iter()
        .map(|s| format!("    {s}\n"))
        .collect::<String>();
    let body = if source == "sqlite" {
        // Not again while it runs, as SQLite does: a transaction-local setting.
        let mut guarded = format!(
            "    IF current_setting('{guard}', true) = 'on' THEN\n        RETURN {returns};\n    END IF;\n    PERFORM set_config('{guard}', 'on', true);\n"
        );
        guarded.push_str(&body);
        guarded.push_str(&format!(
            "    PERFORM set_config('{guard}', 'off', true);\n"
        ));
        guarded
    } else {
        body
    };
    let function_sql = super::pg_trigger_function(
        function,
        &format!("BEGIN\n{body}    RETURN {returns};\nEND"),
    );
    let mut trigger = format!("CREATE TRIGGER {name} {timing} {event}");
    if !of.is_empty() {
        let columns: Vec<String> = of.iter().map(|c| super::deparse_ident(c)).collect();
        trigger.push_str(&format!(" OF {}", columns.join(", ")));
    }
    trigger.push_str(&format!(" ON {table} FOR EACH ROW"));
    if let Some(when) = when {
        trigger.push_str(&format!(" WHEN ({when})"));
    }
    trigger.push_str(&format!(" EXECUTE FUNCTION {function}()"));
    Ok(PgTrigger {
        function: function_sql,
        trigger,
    })
}

/// The statements of a body, split at its top-level semicolons.
fn split(body: &str, source: &str) -> Result<Vec<String>, String> {
    let grammar = grammar(source);
    let tokens = Tokenizer::new(grammar.as_ref(), body)
        .with_unescape(false)
        .tokenize()
        .map_err(|e| format!("its body does not parse as {source} SQL ({e})"))?;
    let mut statements = Vec::new();
    let mut current = String::new();
    for token in tokens {
        match token {
            Token::SemiColon => statements.push(std::mem::take(&mut current)),
            t => current.push_str(&t.to_string()),
        }
    }
    statements.push(current);
    Ok(statements
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect())
}

/// An expression of a trigger, for PostgreSQL, `NEW` and `OLD` as PL/pgSQL has them.
fn expression(sql: &str, source: &str) -> Result<String, String> {
    super::expr::trigger_expression(sql, source)
}

/// One statement of a trigger's body, for PL/pgSQL.
fn translate_statement(sql: &str, source: &str) -> Result<String, String> {
    let first = sql
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_uppercase();
    if first == "SET" {
        // MySQL: SET NEW.c = expr [, NEW.d = expr]
        let mut out = Vec::new();
        for assignment in split_top(&sql[3..], ',') {
            let (target, value) = split_once_top(&assignment, '=')
                .ok_or_else(|| format!("its SET `{}` assigns nothing", assignment.trim()))?;
            let target = target.trim();
            let column = target
                .split_once('.')
                .filter(|(row, _)| row.eq_ignore_ascii_case("NEW"))
                .map(|(_, c)| c.trim().trim_matches('`').trim_matches('"').to_owned())
                .ok_or_else(|| format!("its SET assigns {target}, not a column of NEW"))?;
            out.push(format!(
                "NEW.{} := {};",
                crate::ir::quoted(&column),
                expression(&value, source)?
            ));
        }
        return Ok(out.join("\n    "));
    }
    if !matches!(first.as_str(), "INSERT" | "UPDATE" | "DELETE") {
        return Err(format!(
            "its body uses {first}, which is not translated (SET, INSERT, UPDATE and DELETE are)"
        ));
    }
    let grammar = grammar(source);
    let mut statements = Parser::parse_sql(grammar.as_ref(), sql)
        .map_err(|e| format!("its statement `{sql}` does not parse ({e})"))?;
    if statements.len() != 1 {
        return Err(format!("its statement `{sql}` is not one statement"));
    }
    let statement = &mut statements[0];
    let plain = match &*statement {
        Statement::Insert(i) => {
            i.on.is_none()
                && i.or.is_none()
                && !i.ignore
                && !i.replace_into
                && i.returning.is_none()
                && i.source
                    .as_ref()
                    .is_some_and(|q| matches!(*q.body, SetExpr::Values(_)))
        }
        Statement::Update(u) => {
            u.from.is_none()
                && u.table.joins.is_empty()
                && u.or.is_none()
                && u.returning.is_none()
                && u.order_by.is_empty()
                && u.limit.is_none()
        }
        Statement::Delete(d) => {
            d.using.is_none()
                && d.tables.is_empty()
                && d.returning.is_none()
                && d.order_by.is_empty()
                && d.limit.is_none()
                && match &d.from {
                    FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => {
                        t.len() == 1 && t[0].joins.is_empty()
                    }
                }
        }
        _ => false,
    };
    if !plain {
        return Err(format!(
            "its statement `{}` has clauses with no faithful translation",
            sql.trim()
        ));
    }
    let mut rewrite = Rewrite::for_trigger(source);
    let _ = statement.visit(&mut rewrite);
    match rewrite.refusal {
        Some(reason) => Err(reason),
        None => Ok(format!("{statement};")),
    }
}

/// `text` split at `sep` outside parentheses and quotes.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let (mut depth, mut quote) = (0i32, None::<char>);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => depth -= 1,
            (None, c) if c == sep && depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current);
    parts
}

/// `text` split at the first `sep` outside parentheses and quotes.
fn split_once_top(text: &str, sep: char) -> Option<(String, String)> {
    let parts = split_top(text, sep);
    if parts.len() < 2 {
        return None;
    }
    Some((parts[0].clone(), parts[1..].join(&sep.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mysql_set_trigger_becomes_a_plpgsql_function() {
        let t = to_postgres(
            "CREATE trigger t_bi before insert on t for each row set new.b = upper(new.b)",
            "mysql",
            "t_bi",
            "public.t",
            "public.t_t_bi",
            "schema_replicator.t_bi",
        )
        .unwrap();
        assert_eq!(
            t.function,
            "CREATE OR REPLACE FUNCTION public.t_t_bi()\n RETURNS trigger\n LANGUAGE plpgsql\n\
             AS $function$\nBEGIN\n    NEW.\"b\" := upper(NEW.\"b\");\n    RETURN NEW;\nEND\n$function$"
        );
        assert_eq!(
            t.trigger,
            "CREATE TRIGGER t_bi BEFORE INSERT ON public.t FOR EACH ROW \
             EXECUTE FUNCTION public.t_t_bi()"
        );
    }

    #[test]
    fn quotes_and_backslashes_in_a_body_keep_their_meaning() {
        let t = to_postgres(
            "CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW SET NEW.p = 'it''s a\\\\b\\nc'",
            "mysql",
            "x",
            "public.t",
            "public.t_x",
            "g",
        )
        .unwrap();
        assert!(
            t.function.contains("NEW.\"p\" := 'it''s a\\b\nc';"),
            "{}",
            t.function
        );
    }

    #[test]
    fn what_is_not_faithful_is_refused_with_the_reason() {
        let refuse = |sql: &str| to_postgres(sql, "mysql", "n", "t", "f", "g").err().unwrap();
        assert_eq!(
            refuse("CREATE TRIGGER x BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.a > 0 THEN SET NEW.a = 0; END IF; END"),
            "its body uses IF, which is not translated (SET, INSERT, UPDATE and DELETE are)"
        );
        assert_eq!(
            refuse("CREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW FOLLOWS y INSERT INTO a VALUES (1)"),
            "its FOLLOWS or PRECEDES order has no PostgreSQL equivalent"
        );
        assert_eq!(
            refuse("CREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW INSERT INTO a (b) VALUES (json_valid(NEW.c))"),
            "it calls json_valid(), which has no faithful postgres translation"
        );
    }
}
