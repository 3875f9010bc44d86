//! Expressions and view queries re-printed for another dialect with `sqlparser`: a text
//! that uses only portable constructs (columns, literals, comparisons, arithmetic,
//! `AND`/`OR`/`NOT`, `IN`, `BETWEEN`, `LIKE`, `IS NULL`, `CASE`, sub-queries, joins and
//! a list of functions every dialect has) is parsed with the source's grammar and
//! printed with the target's quoting; anything else is refused with the reason, never
//! guessed.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArguments, Ident, ObjectName, ObjectNamePart,
    Statement, UnaryOperator, Value, ValueWithSpan, VisitMut, VisitorMut,
};
use sqlparser::dialect::{Dialect as Grammar, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

/// The grammar `sqlparser` reads a dialect's SQL with.
pub(crate) fn grammar(dialect: &str) -> Box<dyn Grammar> {
    match dialect {
        "mysql" => Box::new(MySqlDialect {}),
        "sqlite" => Box::new(SQLiteDialect {}),
        _ => Box::new(PostgreSqlDialect {}),
    }
}

/// The character a dialect quotes identifiers with.
fn quote_char(dialect: &str) -> char {
    if dialect == "mysql" {
        '`'
    } else {
        '"'
    }
}

/// What a source function is called in the target, or `None` when it has no faithful
/// translation. Functions every dialect has with the same meaning keep their name.
fn function(name: &str, source: &str, target: &str) -> Option<&'static str> {
    let name = name.to_ascii_lowercase();
    let portable = [
        "lower", "upper", "abs", "coalesce", "nullif", "round", "trim", "replace", "max", "min",
        "sum", "avg", "count",
    ];
    if let Some(same) = portable.iter().find(|p| **p == name) {
        return Some(same);
    }
    Some(match (name.as_str(), source, target) {
        ("ifnull", _, "postgres") => "coalesce",
        ("ifnull", _, _) => "ifnull",
        ("lcase", "mysql", _) => "lower",
        ("ucase", "mysql", _) => "upper",
        // Characters, not bytes: MySQL's `length` counts bytes.
        ("char_length" | "character_length", _, "sqlite") => "length",
        ("char_length" | "character_length", _, _) => "char_length",
        ("length", "sqlite" | "postgres", "sqlite") => "length",
        ("length", "sqlite" | "postgres", _) => "char_length",
        ("substr" | "substring", _, "postgres") => "substr",
        ("substr" | "substring", _, _) => "substr",
        ("now" | "current_timestamp", _, "sqlite") => "CURRENT_TIMESTAMP",
        ("now" | "current_timestamp", _, _) => "CURRENT_TIMESTAMP",
        ("curdate" | "current_date", _, _) => "CURRENT_DATE",
        ("curtime" | "current_time", _, _) => "CURRENT_TIME",
        _ => return None,
    })
}

/// `expr` without its enclosing parentheses.
fn unnest(mut expr: &Expr) -> &Expr {
    while let Expr::Nested(inner) = expr {
        expr = inner;
    }
    expr
}

/// Functions the target writes without parentheses.
fn bare(name: &str) -> bool {
    matches!(name, "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME")
}

pub(crate) struct Rewrite<'a> {
    source: &'a str,
    target: &'a str,
    quote: char,
    /// Names of the common table expressions of a query, lower case.
    ctes: std::collections::HashSet<String>,
    /// In a trigger's body: `NEW.c` and `OLD.c` are PL/pgSQL's row variables.
    trigger: bool,
    /// Why the text cannot be translated, once something refused it.
    pub(crate) refusal: Option<String>,
}

impl<'a> Rewrite<'a> {
    /// The rewrite of a trigger's statements and expressions for PostgreSQL.
    pub(crate) fn for_trigger(source: &'a str) -> Self {
        Rewrite {
            source,
            target: "postgres",
            quote: '"',
            ctes: Default::default(),
            trigger: true,
            refusal: None,
        }
    }
}

/// `sql`, an expression of a `source` trigger, for a PostgreSQL trigger.
pub(crate) fn trigger_expression(sql: &str, source: &str) -> Result<String, String> {
    let grammar = grammar(source);
    let mut expr = Parser::new(grammar.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("its expression `{}` does not parse ({e})", sql.trim()))?;
    let mut rewrite = Rewrite::for_trigger(source);
    let _ = expr.visit(&mut rewrite);
    match rewrite.refusal {
        Some(reason) => Err(reason),
        None => Ok(expr.to_string()),
    }
}

/// Collects the names of a query's common table expressions.
struct Ctes(std::collections::HashSet<String>);

impl sqlparser::ast::Visitor for Ctes {
    type Break = ();

    fn pre_visit_query(&mut self, query: &sqlparser::ast::Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.0.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }
}

impl Rewrite<'_> {
    fn refuse(&mut self, reason: String) -> ControlFlow<()> {
        self.refusal.get_or_insert(reason);
        ControlFlow::Break(())
    }
}

impl VisitorMut for Rewrite<'_> {
    type Break = ();

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        ident.quote_style = Some(self.quote);
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        // A MySQL view names its tables `db`.`t`, a PostgreSQL one `public.t`: the
        // copy's own tables are meant.
        let first = match relation.0.first() {
            Some(ObjectNamePart::Identifier(ident)) => ident.value.clone(),
            _ => String::new(),
        };
        if relation.0.len() == 2
            && (self.source == "mysql" || (self.source == "postgres" && first == "public"))
        {
            relation.0.remove(0);
        }
        // PostgreSQL's copy runs with an empty search path: its tables are `public.t`
        // (a common table expression is no table).
        let name = match relation.0.first() {
            Some(ObjectNamePart::Identifier(ident)) => ident.value.to_lowercase(),
            _ => String::new(),
        };
        if self.target == "postgres" && relation.0.len() == 1 && !self.ctes.contains(&name) {
            let mut public = Ident::new("public");
            public.quote_style = Some(self.quote);
            relation.0.insert(0, ObjectNamePart::Identifier(public));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
        match &value.value {
            Value::Number(..) | Value::SingleQuotedString(_) | Value::Null => {}
            Value::Boolean(_) if self.target != "sqlite" || self.source != "postgres" => {}
            Value::DoubleQuotedString(s) if self.source == "mysql" => {
                value.value = Value::SingleQuotedString(s.clone());
            }
            other => return self.refuse(format!("it uses the literal {other}")),
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Identifier(_)
            | Expr::Value(_)
            | Expr::Nested(_)
            | Expr::IsNull(_)
            | Expr::IsNotNull(_)
            | Expr::In { global: false, .. }
            | Expr::Between { .. }
            | Expr::Case { .. }
            | Expr::Exists { .. }
            | Expr::Subquery(_) => {}
            Expr::CompoundIdentifier(parts) => {
                // `db`.`t`.`c` (MySQL's views): the copy's own table is meant.
                if self.source == "mysql" && parts.len() == 3 {
                    parts.remove(0);
                }
                // A trigger's row: PL/pgSQL's NEW and OLD, unquoted.
                if self.trigger && parts.len() == 2 {
                    let row = parts[0].value.to_uppercase();
                    if row == "NEW" || row == "OLD" {
                        parts[0] = Ident::new(row);
                    }
                }
            }
            Expr::Like { any: false, .. } => {}
            // PostgreSQL's `'x'::text` on a literal: the literal.
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: inner,
                ..
            } if self.source == "postgres" && matches!(**inner, Expr::Value(_)) => {
                *expr = (**inner).clone();
            }
            // PostgreSQL's deparser casts a domain's column to its base type.
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: inner,
                data_type,
                ..
            } if self.source == "postgres"
                && matches!(
                    unnest(inner),
                    Expr::Identifier(_) | Expr::CompoundIdentifier(_)
                )
                && matches!(
                    data_type.to_string().to_lowercase().as_str(),
                    "integer" | "int" | "bigint" | "smallint" | "numeric" | "text"
                ) =>
            {
                *expr = (**inner).clone();
            }
            Expr::UnaryOp { op, .. } => {
                if !matches!(
                    op,
                    UnaryOperator::Not | UnaryOperator::Minus | UnaryOperator::Plus
                ) {
                    return self.refuse(format!("it uses the operator {op}"));
                }
            }
            Expr::BinaryOp { op, .. } => {
                use BinaryOperator as B;
                let portable = matches!(
                    op,
                    B::Plus
                        | B::Minus
                        | B::Multiply
                        | B::Eq
                        | B::NotEq
                        | B::Lt
                        | B::LtEq
                        | B::Gt
                        | B::GtEq
                        | B::And
                        | B::Or
                ) || (matches!(op, B::StringConcat)
                    && self.source != "mysql"
                    && self.target != "mysql");
                if !portable {
                    // Division and `%` differ on integers between the dialects.
                    return self.refuse(format!("it uses the operator {op}"));
                }
            }
            Expr::Function(f) => {
                let name = f.name.to_string().trim_matches(self.quote).to_owned();
                let Some(to) = function(&name, self.source, self.target) else {
                    return self.refuse(format!(
                        "it calls {name}(), which has no faithful {} translation",
                        self.target
                    ));
                };
                if f.filter.is_some() || f.over.is_some() || !f.within_group.is_empty() {
                    return self.refuse(format!("it calls {name}() with a window or filter"));
                }
                let mut ident = Ident::new(to);
                ident.quote_style = None;
                f.name = ObjectName(vec![ObjectNamePart::Identifier(ident)]);
                if bare(to) {
                    match &f.args {
                        FunctionArguments::None => {}
                        FunctionArguments::List(l) if l.args.is_empty() => {}
                        _ => return self.refuse(format!("it calls {name}() with arguments")),
                    }
                    f.args = FunctionArguments::None;
                } else if matches!(f.args, FunctionArguments::None) {
                    return self.refuse(format!("it uses {name}"));
                }
            }
            other => {
                let text = other.to_string();
                let head: String = text.chars().take(40).collect();
                return self.refuse(format!("it uses `{head}`, which is not portable"));
            }
        }
        ControlFlow::Continue(())
    }
}

/// `sql`, an expression of `source`, printed for `target`; `Err` says why it cannot be.
pub(crate) fn expression(sql: &str, source: &str, target: &str) -> Result<String, String> {
    let grammar = grammar(source);
    let mut expr = Parser::new(grammar.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| format!("its expression does not parse as {source} SQL ({e})"))?;
    let mut rewrite = Rewrite {
        source,
        target,
        quote: quote_char(target),
        ctes: Default::default(),
        trigger: false,
        refusal: None,
    };
    let _ = expr.visit(&mut rewrite);
    match rewrite.refusal {
        Some(reason) => Err(reason),
        None => Ok(expr.to_string()),
    }
}

/// `sql`, a view's `SELECT` in `source`, printed for `target`; `Err` says why it
/// cannot be.
pub(crate) fn query(sql: &str, source: &str, target: &str) -> Result<String, String> {
    let grammar = grammar(source);
    let mut statements = Parser::parse_sql(grammar.as_ref(), sql)
        .map_err(|e| format!("its query does not parse as {source} SQL ({e})"))?;
    if statements.len() != 1 || !matches!(statements[0], Statement::Query(_)) {
        return Err("its definition is not one query".into());
    }
    let mut ctes = Ctes(Default::default());
    let _ = sqlparser::ast::Visit::visit(&statements[0], &mut ctes);
    let mut rewrite = Rewrite {
        source,
        target,
        quote: quote_char(target),
        ctes: ctes.0,
        trigger: false,
        refusal: None,
    };
    let _ = statements[0].visit(&mut rewrite);
    match rewrite.refusal {
        Some(reason) => Err(reason),
        None => Ok(statements[0].to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn portable_expressions_are_re_quoted_for_the_target() {
        assert_eq!(
            expression("`price` >= 0 and `name` <> \"x\"", "mysql", "postgres").unwrap(),
            "\"price\" >= 0 AND \"name\" <> 'x'"
        );
        assert_eq!(
            expression("ifnull(`a`, 0) > 1", "mysql", "postgres").unwrap(),
            "coalesce(\"a\", 0) > 1"
        );
        assert_eq!(
            expression("current_timestamp()", "mysql", "postgres").unwrap(),
            "CURRENT_TIMESTAMP"
        );
        assert_eq!(
            expression("\"Total\" BETWEEN 0 AND 10", "postgres", "mysql").unwrap(),
            "`Total` BETWEEN 0 AND 10"
        );
    }

    #[test]
    fn what_is_not_portable_is_refused_with_the_reason() {
        assert_eq!(
            expression("json_valid(`doc`)", "mysql", "postgres").unwrap_err(),
            "it calls json_valid(), which has no faithful postgres translation"
        );
        assert_eq!(
            expression("`a` / 2 > 1", "mysql", "postgres").unwrap_err(),
            "it uses the operator /"
        );
        assert_eq!(
            expression("`a` || `b`", "mysql", "postgres").unwrap_err(),
            "it uses the operator ||"
        );
    }

    #[test]
    fn a_mysql_view_loses_its_database_qualifiers() {
        assert_eq!(
            query(
                "select `db`.`t`.`a` AS `a` from `db`.`t` where `db`.`t`.`b` > 0",
                "mysql",
                "postgres"
            )
            .unwrap(),
            "SELECT \"t\".\"a\" AS \"a\" FROM \"public\".\"t\" WHERE \"t\".\"b\" > 0"
        );
    }
}

/// Rewrites a parsed text into a form two servers' spellings of one expression share:
/// names bare, lower case and unqualified, casts and parentheses gone, a select item's
/// alias gone where it repeats the column's name.
struct Canonical;

impl VisitorMut for Canonical {
    type Break = ();

    fn pre_visit_ident(&mut self, ident: &mut Ident) -> ControlFlow<()> {
        ident.quote_style = None;
        ident.value = ident.value.to_lowercase();
        ControlFlow::Continue(())
    }

    fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        if relation.0.len() > 1 {
            relation.0.drain(..relation.0.len() - 1);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        use sqlparser::ast::SelectItem;
        for item in &mut select.projection {
            if let SelectItem::ExprWithAlias { expr, alias } = item {
                let name = match expr {
                    Expr::Identifier(i) => Some(&i.value),
                    Expr::CompoundIdentifier(parts) => parts.last().map(|i| &i.value),
                    _ => None,
                };
                if name.is_some_and(|n| n.eq_ignore_ascii_case(&alias.value)) {
                    *item = SelectItem::UnnamedExpr(expr.clone());
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // `current_timestamp()` and `CURRENT_TIMESTAMP` are one call.
        if let Expr::Function(f) = expr {
            if matches!(&f.args, FunctionArguments::List(l) if l.args.is_empty()) {
                f.args = FunctionArguments::None;
            }
        }
        loop {
            let inner = match expr {
                Expr::Nested(inner) => (**inner).clone(),
                Expr::Cast {
                    kind: CastKind::DoubleColon,
                    expr: inner,
                    ..
                } => (**inner).clone(),
                Expr::CompoundIdentifier(parts) if !parts.is_empty() => {
                    Expr::Identifier(parts[parts.len() - 1].clone())
                }
                _ => break,
            };
            *expr = inner;
        }
        ControlFlow::Continue(())
    }
}

/// `sql` (an expression, or a query when `query`) of `dialect` in the form
/// [`Canonical`] gives, lower case; `None` when it does not parse.
pub(crate) fn canonical(sql: &str, dialect: &str, query: bool) -> Option<String> {
    let grammar = grammar(dialect);
    let text = if query {
        let mut statements = Parser::parse_sql(grammar.as_ref(), sql).ok()?;
        let _ = statements.visit(&mut Canonical);
        statements
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(";")
    } else {
        let mut expr = Parser::new(grammar.as_ref())
            .try_with_sql(sql)
            .and_then(|mut p| p.parse_expr())
            .ok()?;
        let _ = expr.visit(&mut Canonical);
        expr.to_string()
    };
    Some(text.to_lowercase())
}

#[cfg(test)]
mod canonical_tests {
    use super::*;

    #[test]
    fn two_servers_spellings_of_one_rule_are_one_canonical_text() {
        assert_eq!(
            canonical("\"price\" >= 0", "postgres", false),
            canonical("(price >= (0)::numeric)", "postgres", false)
        );
        assert_eq!(
            canonical(
                "SELECT \"label\", \"price\" FROM \"public\".\"counter\" WHERE \"price\" > 0",
                "postgres",
                true
            ),
            canonical(
                " SELECT counter.label,\n    counter.price\n   FROM counter\n  WHERE (counter.price > (0)::numeric)",
                "postgres",
                true
            )
        );
        assert_eq!(
            canonical(
                "select `Users`.`name` AS `name` from `Users` where `Users`.`score` > 5",
                "mysql",
                true
            ),
            canonical(
                "SELECT `name` FROM `Users` WHERE `score` > 5",
                "mysql",
                true
            )
        );
        assert_ne!(
            canonical("\"price\" >= 0", "postgres", false),
            canonical("\"price\" > 0", "postgres", false)
        );
    }
}
