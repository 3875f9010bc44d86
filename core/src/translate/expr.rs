//! Expressions and view queries re-printed for another dialect with `sqlparser`: a text
//! that uses only portable constructs (columns, literals, comparisons, arithmetic,
//! `AND`/`OR`/`NOT`, `IN`, `BETWEEN`, `LIKE`, `IS NULL`, `CASE`, sub-queries, joins and
//! a list of functions every dialect has) is parsed with the source's grammar and
//! printed with the target's quoting; anything else is refused with the reason, never
//! guessed.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, Expr, FunctionArguments, Ident, ObjectName, ObjectNamePart, SetExpr,
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
        // Not `round`: PostgreSQL has no round(double precision, integer).
        "lower", "upper", "abs", "coalesce", "nullif", "trim", "replace", "max", "min", "sum",
        "avg", "count",
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
    /// Tables the translation renamed: the source's name (`schema.table` for
    /// PostgreSQL, `table` otherwise) to the target's.
    renames: Option<&'a std::collections::HashMap<String, String>>,
    /// Columns of a PostgreSQL domain type, by name, with the domain's base type (lower
    /// case): PostgreSQL's deparser casts them to it, which changes no value.
    domains: Option<&'a std::collections::HashMap<String, String>>,
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
            renames: None,
            domains: None,
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
        let parts: Vec<String> = relation
            .0
            .iter()
            .map(|p| match p {
                ObjectNamePart::Identifier(ident) => ident.value.clone(),
                _ => String::new(),
            })
            .collect();
        let name = parts.last().cloned().unwrap_or_default();
        // The source's reflection leaves out its own database's qualifier: a MySQL
        // table with one names another database, which the copy does not have.
        if self.source == "mysql" && parts.len() > 1 {
            return self.refuse(format!(
                "it reads table {} of another database",
                parts.join(".")
            ));
        }
        let key = match (self.source, parts.len()) {
            ("postgres", 1) => format!("public.{name}"),
            ("postgres", _) => parts[parts.len().saturating_sub(2)..].join("."),
            _ => name.clone(),
        };
        let renamed = self.renames.and_then(|r| r.get(&key)).cloned();
        let own = self.source == "postgres" && parts.first().is_some_and(|p| p == "public");
        if parts.len() > 1 && !own && renamed.is_none() {
            return self.refuse(format!(
                "it reads table {}, which is not translated",
                parts.join(".")
            ));
        }
        if let Some(to) = renamed.filter(|to| *to != name || parts.len() > 1) {
            let mut ident = Ident::new(to);
            ident.quote_style = Some(self.quote);
            relation.0 = vec![ObjectNamePart::Identifier(ident)];
        } else if parts.len() > 1 {
            relation.0.drain(..relation.0.len() - 1);
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
        // MySQL reads a backslash in a string as an escape: written twice there.
        if let (Value::SingleQuotedString(s), "mysql") = (&value.value, self.target) {
            if s.contains('\\') {
                value.value = Value::SingleQuotedString(s.replace('\\', "\\\\"));
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // Before its array is visited (and refused): the IN list it stands for.
        if self.source == "postgres" {
            if let Some(list) = array_comparison(expr) {
                *expr = list;
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        self.rewrite_expr(expr)
    }
}

/// `expr`, a LIKE or an ILIKE, made the one that ignores case (`insensitive`) or the
/// one that does not.
fn set_case(expr: &mut Expr, insensitive: bool) {
    let (negated, e, pattern, escape_char) = match expr.clone() {
        Expr::Like {
            negated,
            expr,
            pattern,
            escape_char,
            ..
        }
        | Expr::ILike {
            negated,
            expr,
            pattern,
            escape_char,
            ..
        } => (negated, expr, pattern, escape_char),
        _ => return,
    };
    *expr = match insensitive {
        true => Expr::ILike {
            negated,
            any: false,
            expr: e,
            pattern,
            escape_char,
        },
        false => Expr::Like {
            negated,
            any: false,
            expr: e,
            pattern,
            escape_char,
        },
    };
}

/// PostgreSQL's spelling of `x IN ('a', 'b')`, `x = ANY (ARRAY['a', 'b'])` (and of
/// `NOT IN`, `<> ALL (...)`), as the IN list it is.
fn array_comparison(expr: &Expr) -> Option<Expr> {
    let (left, right, negated) = match expr {
        Expr::AnyOp {
            left,
            compare_op: BinaryOperator::Eq,
            right,
            ..
        } => (left, right, false),
        Expr::AllOp {
            left,
            compare_op: BinaryOperator::NotEq,
            right,
        } => (left, right, true),
        _ => return None,
    };
    let mut right = &**right;
    loop {
        match right {
            Expr::Nested(inner) => right = inner,
            Expr::Cast { expr: inner, .. } => right = inner,
            _ => break,
        }
    }
    let Expr::Array(array) = right else {
        return None;
    };
    Some(Expr::In {
        expr: left.clone(),
        target: sqlparser::ast::InTarget::List(array.elem.clone()),
        negated,
        global: false,
    })
}

impl Rewrite<'_> {
    /// PostgreSQL's ILIKE: MySQL's and SQLite's LIKE ignore case already.
    fn post_visit_expr_ilike(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if self.target != "postgres" {
            set_case(expr, false);
        }
        ControlFlow::Continue(())
    }

    fn rewrite_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
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
                // `t`.`c` of a table the translation renamed: its new name.
                if parts.len() >= 2 {
                    let table = parts[parts.len() - 2].value.clone();
                    let key = match self.source {
                        "postgres" => format!("public.{table}"),
                        _ => table.clone(),
                    };
                    if let Some(to) = self.renames.and_then(|r| r.get(&key)) {
                        if *to != table {
                            let at = parts.len() - 2;
                            parts[at].value = to.clone();
                        }
                    }
                }
                // A trigger's row: PL/pgSQL's NEW and OLD, unquoted.
                if self.trigger && parts.len() == 2 {
                    let row = parts[0].value.to_uppercase();
                    if row == "NEW" || row == "OLD" {
                        parts[0] = Ident::new(row);
                    }
                }
            }
            // PostgreSQL's `~~` and `!~~` are LIKE and NOT LIKE, `~~*` ILIKE.
            Expr::BinaryOp {
                left,
                op:
                    op @ (BinaryOperator::PGLikeMatch
                    | BinaryOperator::PGNotLikeMatch
                    | BinaryOperator::PGILikeMatch),
                right,
            } => {
                let (left, right) = ((**left).clone(), (**right).clone());
                let negated = matches!(op, BinaryOperator::PGNotLikeMatch);
                let insensitive = matches!(op, BinaryOperator::PGILikeMatch);
                *expr = Expr::Like {
                    negated,
                    any: false,
                    expr: Box::new(left),
                    pattern: Box::new(right),
                    escape_char: None,
                };
                if insensitive {
                    set_case(expr, true);
                    return self.post_visit_expr_ilike(expr);
                }
                return self.rewrite_expr(expr);
            }
            Expr::Like { any: false, .. } => {
                // SQLite's LIKE and MySQL's (under a case-insensitive collation) ignore
                // case; PostgreSQL's does not: ILIKE.
                if self.target == "postgres" && self.source != "postgres" {
                    set_case(expr, true);
                } else if self.source == "postgres" && self.target != "postgres" {
                    return self.refuse(format!(
                        "its LIKE is case-sensitive in postgres and not in {}",
                        self.target
                    ));
                }
            }
            Expr::ILike { any: false, .. } if self.source == "postgres" => {
                return self.post_visit_expr_ilike(expr);
            }
            // PostgreSQL's `'x'::text` on a literal: the literal.
            Expr::Cast {
                kind: CastKind::DoubleColon,
                expr: inner,
                ..
            } if self.source == "postgres" && matches!(unnest(inner), Expr::Value(_)) => {
                *expr = unnest(inner).clone();
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
                // Only where the cast changes no value: a varchar read as text, a
                // domain's column read as its base type.
                && (matches!(
                    data_type.to_string().to_lowercase().as_str(),
                    "text" | "character varying" | "varchar"
                ) || {
                    let column = match unnest(inner) {
                        Expr::Identifier(i) => Some(i.value.clone()),
                        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.clone()),
                        _ => None,
                    };
                    let ty = data_type.to_string().to_lowercase();
                    column
                        .and_then(|c| self.domains.and_then(|d| d.get(&c)))
                        .is_some_and(|base| *base == ty)
                }) =>
            {
                *expr = unnest(inner).clone();
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
                        FunctionArguments::None => f.args = FunctionArguments::None,
                        FunctionArguments::List(l) if l.args.is_empty() => {
                            f.args = FunctionArguments::None
                        }
                        // CURRENT_TIMESTAMP(6): the precision, where the target has it.
                        FunctionArguments::List(l)
                            if to == "CURRENT_TIMESTAMP" && l.args.len() == 1 =>
                        {
                            if self.target == "sqlite" {
                                f.args = FunctionArguments::None;
                            }
                        }
                        _ => return self.refuse(format!("it calls {name}() with arguments")),
                    }
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
        renames: None,
        domains: None,
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
pub(crate) fn query(
    sql: &str,
    source: &str,
    target: &str,
    renames: &std::collections::HashMap<String, String>,
    domains: &std::collections::HashMap<String, String>,
    columns: &[String],
) -> Result<String, String> {
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
        renames: Some(renames),
        domains: Some(domains),
        refusal: None,
    };
    let _ = statements[0].visit(&mut rewrite);
    if let Some(reason) = rewrite.refusal {
        return Err(reason);
    }
    // A view's own column names (`CREATE VIEW v(a, b) AS ...`) on its select list.
    if !columns.is_empty() {
        name_columns(&mut statements[0], columns, quote_char(target))?;
    }
    let text = statements[0].to_string();
    // What MariaDB's SELECT does not have.
    if target == "mysql" {
        for clause in [
            "FULL JOIN",
            "FULL OUTER JOIN",
            "DISTINCT ON",
            "NULLS FIRST",
            "NULLS LAST",
        ] {
            if text.contains(clause) {
                return Err(format!("it uses {clause}, which MySQL does not have"));
            }
        }
    }
    Ok(text)
}

/// Names the select list of `statement` with `columns`, one alias each.
fn name_columns(statement: &mut Statement, columns: &[String], quote: char) -> Result<(), String> {
    use sqlparser::ast::SelectItem;
    let refuse = || "its column list does not name its select list one to one".to_owned();
    let Statement::Query(query) = statement else {
        return Err(refuse());
    };
    let SetExpr::Select(select) = query.body.as_mut() else {
        return Err(refuse());
    };
    if select.projection.len() != columns.len() {
        return Err(refuse());
    }
    for (item, column) in select.projection.iter_mut().zip(columns) {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e.clone(),
            _ => return Err(refuse()),
        };
        let mut alias = Ident::new(column);
        alias.quote_style = Some(quote);
        *item = SelectItem::ExprWithAlias { expr, alias };
    }
    Ok(())
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
    fn a_view_reads_the_translated_tables_and_no_other_database() {
        let same: std::collections::HashMap<String, String> =
            [("t".to_owned(), "t".to_owned())].into_iter().collect();
        assert_eq!(
            query(
                "select `t`.`a` AS `a` from `t` where `t`.`b` > 0",
                "mysql",
                "postgres",
                &same,
                &Default::default(),
                &[]
            )
            .unwrap(),
            "SELECT \"t\".\"a\" AS \"a\" FROM \"public\".\"t\" WHERE \"t\".\"b\" > 0"
        );
        let renamed: std::collections::HashMap<String, String> =
            [("t".to_owned(), "t_1a2b3c4d".to_owned())]
                .into_iter()
                .collect();
        assert_eq!(
            query(
                "select `t`.`a` AS `a` from `t`",
                "mysql",
                "sqlite",
                &renamed,
                &Default::default(),
                &[]
            )
            .unwrap(),
            "SELECT \"t_1a2b3c4d\".\"a\" AS \"a\" FROM \"t_1a2b3c4d\""
        );
        assert_eq!(
            query(
                "select `a` from `audit`.`log`",
                "mysql",
                "postgres",
                &same,
                &Default::default(),
                &[]
            )
            .unwrap_err(),
            "it reads table audit.log of another database"
        );
        let schemas: std::collections::HashMap<String, String> =
            [("sales.orders".to_owned(), "sales_orders".to_owned())]
                .into_iter()
                .collect();
        assert_eq!(
            query(
                "SELECT id FROM sales.orders",
                "postgres",
                "mysql",
                &schemas,
                &Default::default(),
                &[]
            )
            .unwrap(),
            "SELECT `id` FROM `sales_orders`"
        );
    }

    #[test]
    fn postgresqls_own_spellings_are_read_back_as_the_portable_ones() {
        assert_eq!(
            expression("(price >= (0)::numeric)", "postgres", "mysql").unwrap(),
            "(`price` >= 0)"
        );
        assert_eq!(
            expression(
                "((status)::text = ANY ((ARRAY['a'::character varying, 'b'::character varying])::text[]))",
                "postgres",
                "sqlite"
            )
            .unwrap_or_else(|e| e),
            "(\"status\" IN ('a', 'b'))"
        );
        assert_eq!(
            expression("((qty)::integer = qty)", "postgres", "mysql").unwrap_err(),
            "it uses `(`qty`)::INTEGER`, which is not portable"
        );
        assert_eq!(
            expression("`name` like 'a%'", "mysql", "postgres").unwrap(),
            "\"name\" ILIKE 'a%'"
        );
        assert_eq!(
            expression("(name ~~ 'a%'::text)", "postgres", "mysql").unwrap_err(),
            "its LIKE is case-sensitive in postgres and not in mysql"
        );
        assert_eq!(
            expression("'C:\\new'", "postgres", "mysql").unwrap(),
            "'C:\\\\new'"
        );
        assert_eq!(
            expression("current_timestamp(6)", "mysql", "postgres").unwrap(),
            "CURRENT_TIMESTAMP(6)"
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

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Some(list) = array_comparison(expr) {
            *expr = list;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        // `current_timestamp()`, `CURRENT_TIMESTAMP` and MariaDB's `current_timestamp(6)`
        // on a datetime(6) are one call.
        if let Expr::Function(f) = expr {
            // MariaDB's `curdate()` and `now()` are CURRENT_DATE and CURRENT_TIMESTAMP.
            let name = f.name.to_string().to_lowercase();
            let same = match name.as_str() {
                "curdate" => Some("current_date"),
                "curtime" => Some("current_time"),
                "now" | "localtimestamp" => Some("current_timestamp"),
                _ => None,
            };
            if let Some(same) = same {
                f.name = ObjectName(vec![ObjectNamePart::Identifier(Ident::new(same))]);
            }
            let now = f.name.to_string().eq_ignore_ascii_case("current_timestamp");
            if now || matches!(&f.args, FunctionArguments::List(l) if l.args.is_empty()) {
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
        assert_eq!(
            canonical("curdate()", "mysql", false),
            canonical("CURRENT_DATE", "mysql", false)
        );
        assert_ne!(
            canonical("\"price\" >= 0", "postgres", false),
            canonical("\"price\" > 0", "postgres", false)
        );
    }
}

/// Replaces a domain check's `VALUE` (PostgreSQL) with the column `column`, through the
/// parsed expression (a `VALUE` inside a string or a name stays); `None` when it does
/// not parse.
pub(crate) fn replace_value(sql: &str, column: &str) -> Option<String> {
    struct Value<'a>(&'a str);
    impl VisitorMut for Value<'_> {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Identifier(ident) = expr {
                if ident.quote_style.is_none() && ident.value.eq_ignore_ascii_case("VALUE") {
                    let mut column = Ident::new(self.0);
                    column.quote_style = Some('"');
                    *expr = Expr::Identifier(column);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let grammar = grammar("postgres");
    let mut expr = Parser::new(grammar.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .ok()?;
    let _ = expr.visit(&mut Value(column));
    Some(expr.to_string())
}

/// The column names an expression of `dialect` reads (the last part of each name).
pub(crate) fn identifiers(sql: &str, dialect: &str) -> Vec<String> {
    let grammar = grammar(dialect);
    let Ok(expr) = Parser::new(grammar.as_ref())
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
    else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let _ = sqlparser::ast::visit_expressions(&expr, |e| {
        match e {
            Expr::Identifier(i) => names.push(i.value.clone()),
            Expr::CompoundIdentifier(parts) => {
                names.extend(parts.last().map(|i| i.value.clone()));
            }
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
    names
}
