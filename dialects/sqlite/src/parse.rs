//! A lexer and recursive-descent parser for the `CREATE` statements SQLite keeps in
//! `sqlite_schema.sql`.
//!
//! The pragmas are silent about CHECK constraints, constraint names, DEFERRABLE,
//! generated-column expressions, explicit collations, AUTOINCREMENT, the exact text of
//! defaults (`pragma_table_xinfo` strips the parentheses of `DEFAULT (1+2)`), index
//! expressions and partial-index predicates. This parser recovers them. It follows
//! SQLite's grammar for the statement structure and keeps every expression as the exact
//! source text (a balanced token span), so what we replicate is byte-identical to what
//! the user wrote: no expression is re-printed.

use std::fmt;

/// A parse failure, with the byte offset where it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// What was expected or found.
    pub message: String,
    /// Byte offset in the statement.
    pub offset: usize,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

type PResult<T> = Result<T, ParseError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A bare word: keyword or unquoted identifier.
    Word,
    /// An identifier in `"..."`, `` `...` `` or `[...]`.
    Quoted,
    /// A string literal `'...'`.
    Str,
    /// A numeric literal.
    Number,
    /// A blob literal `X'...'`.
    Blob,
    /// A bind parameter or any other operator character(s).
    Op,
    LParen,
    RParen,
    Comma,
    Dot,
    Semicolon,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Splits SQL into tokens, skipping white space and comments.
fn tokenize(src: &str) -> PResult<Vec<Token>> {
    let bytes = src.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    let err = |message: &str, offset| ParseError {
        message: message.to_owned(),
        offset,
    };
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => {
                i += 1;
                continue;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = src[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = src[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\'' | b'"' | b'`' => {
                i = close_quoted(bytes, i, c).ok_or_else(|| err("unterminated quote", start))?;
                if c == b'\'' {
                    Kind::Str
                } else {
                    Kind::Quoted
                }
            }
            b'[' => {
                i = src[i..]
                    .find(']')
                    .map(|n| i + n + 1)
                    .ok_or_else(|| err("unterminated [identifier]", start))?;
                Kind::Quoted
            }
            b'x' | b'X' if bytes.get(i + 1) == Some(&b'\'') => {
                i = close_quoted(bytes, i + 1, b'\'')
                    .ok_or_else(|| err("unterminated blob literal", start))?;
                Kind::Blob
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b'.' if bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(bytes, i);
                Kind::Number
            }
            b'(' => {
                i += 1;
                Kind::LParen
            }
            b')' => {
                i += 1;
                Kind::RParen
            }
            b',' => {
                i += 1;
                Kind::Comma
            }
            b'.' => {
                i += 1;
                Kind::Dot
            }
            b';' => {
                i += 1;
                Kind::Semicolon
            }
            c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                while i < bytes.len()
                    && (bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i].is_ascii_alphanumeric()
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                Kind::Word
            }
            _ => {
                // Operators: take one character (multi-character operators are
                // harmless as runs of single ones: we never interpret them).
                i += src[i..].chars().next().map_or(1, char::len_utf8);
                Kind::Op
            }
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(tokens)
}

/// End (exclusive) of a quoted token starting at `open`, where a doubled quote escapes.
fn close_quoted(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i + 1);
        }
        i += 1;
    }
    None
}

fn number_end(bytes: &[u8], mut i: usize) -> usize {
    if bytes[i] == b'0' && matches!(bytes.get(i + 1), Some(b'x' | b'X')) {
        i += 2;
        while i < bytes.len() && (bytes[i].is_ascii_hexdigit() || bytes[i] == b'_') {
            i += 1;
        }
        return i;
    }
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_') {
        i += 1;
    }
    if i < bytes.len() && matches!(bytes[i], b'e' | b'E') {
        let mut j = i + 1;
        if j < bytes.len() && matches!(bytes[j], b'+' | b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            i = j;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// The value of an identifier token: unquoted, with doubled quotes undoubled.
fn unquote(text: &str) -> String {
    let first = text.chars().next();
    match first {
        Some('"') | Some('`') | Some('\'') => {
            let q = first.unwrap_or('"');
            let inner = &text[1..text.len() - 1];
            inner.replace(&format!("{q}{q}"), &q.to_string())
        }
        Some('[') => text[1..text.len() - 1].to_owned(),
        _ => text.to_owned(),
    }
}

/// A column as declared in `CREATE TABLE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedColumn {
    /// Name.
    pub name: String,
    /// Exact text of the default (`'x'`, `-5`, `(1+2)`, `CURRENT_TIMESTAMP`).
    pub default: Option<String>,
    /// Explicit `COLLATE` name.
    pub collation: Option<String>,
    /// Generated expression (inside the parentheses) and whether it is STORED.
    pub generated: Option<(String, bool)>,
    /// `PRIMARY KEY AUTOINCREMENT`.
    pub autoincrement: bool,
}

/// Referential action keywords as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedForeignKey {
    /// Constraint name.
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub table: String,
    /// Referenced columns (may be empty).
    pub referenced_columns: Vec<String>,
    /// `MATCH` name, upper-cased.
    pub match_type: Option<String>,
    /// `DEFERRABLE` (true), `NOT DEFERRABLE` or nothing (false).
    pub deferrable: bool,
    /// `INITIALLY DEFERRED`.
    pub initially_deferred: bool,
}

/// A table constraint (column constraints are normalised into these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedConstraint {
    /// PRIMARY KEY.
    PrimaryKey {
        /// Name.
        name: Option<String>,
        /// Columns.
        columns: Vec<String>,
    },
    /// UNIQUE.
    Unique {
        /// Name.
        name: Option<String>,
        /// Columns.
        columns: Vec<String>,
    },
    /// CHECK.
    Check {
        /// Name.
        name: Option<String>,
        /// Condition text inside the parentheses.
        expr: String,
    },
    /// FOREIGN KEY / REFERENCES.
    ForeignKey(ParsedForeignKey),
}

/// What `CREATE TABLE` declares beyond what the pragmas report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedTable {
    /// Columns in order.
    pub columns: Vec<ParsedColumn>,
    /// Constraints in declaration order, column-level ones where their column stands.
    pub constraints: Vec<ParsedConstraint>,
    /// Clauses that are parsed but not replicated (`ON CONFLICT ...`, ...).
    pub unsupported: Vec<String>,
}

/// One key of a `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedIndexKey {
    /// The key's expression text (a column name or an expression).
    pub expr: String,
    /// If the expression is a single identifier, its value.
    pub identifier: Option<String>,
    /// Explicit `COLLATE`.
    pub collation: Option<String>,
    /// `ASC` / `DESC` as written, upper-cased.
    pub order: Option<String>,
}

/// A parsed `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedIndex {
    /// `CREATE UNIQUE INDEX`.
    pub unique: bool,
    /// Keys in order.
    pub keys: Vec<ParsedIndexKey>,
    /// `WHERE` text of a partial index.
    pub predicate: Option<String>,
}

/// A parsed `CREATE VIEW`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedView {
    /// Explicit column names.
    pub columns: Vec<String>,
    /// The query text after `AS`.
    pub query: String,
}

struct Parser<'a> {
    src: &'a str,
    tokens: Vec<Token>,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> PResult<Self> {
        Ok(Parser {
            src,
            tokens: tokenize(src)?,
            pos: 0,
        })
    }

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.pos).copied()
    }

    fn text(&self, t: Token) -> &'a str {
        &self.src[t.start..t.end]
    }

    fn offset(&self) -> usize {
        self.peek().map_or(self.src.len(), |t| t.start)
    }

    fn error<T>(&self, message: impl Into<String>) -> PResult<T> {
        let found = self.peek().map_or("end of statement".to_owned(), |t| {
            format!("`{}`", self.text(t))
        });
        Err(ParseError {
            message: format!("{}, found {found}", message.into()),
            offset: self.offset(),
        })
    }

    fn is_kw(&self, kw: &str) -> bool {
        self.peek()
            .is_some_and(|t| t.kind == Kind::Word && self.text(t).eq_ignore_ascii_case(kw))
    }

    fn is_kw_at(&self, offset: usize, kw: &str) -> bool {
        self.tokens
            .get(self.pos + offset)
            .is_some_and(|&t| t.kind == Kind::Word && self.text(t).eq_ignore_ascii_case(kw))
    }

    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.error(format!("expected {kw}"))
        }
    }

    fn is(&self, kind: Kind) -> bool {
        self.peek().is_some_and(|t| t.kind == kind)
    }

    fn eat(&mut self, kind: Kind) -> bool {
        if self.is(kind) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: Kind, what: &str) -> PResult<Token> {
        match self.peek() {
            Some(t) if t.kind == kind => {
                self.pos += 1;
                Ok(t)
            }
            _ => self.error(format!("expected {what}")),
        }
    }

    fn identifier(&mut self) -> PResult<String> {
        match self.peek() {
            Some(t) if matches!(t.kind, Kind::Word | Kind::Quoted | Kind::Str) => {
                self.pos += 1;
                Ok(unquote(self.text(t)))
            }
            _ => self.error("expected a name"),
        }
    }

    /// `[schema.]name`, returning the name.
    fn qualified_name(&mut self) -> PResult<String> {
        let first = self.identifier()?;
        if self.eat(Kind::Dot) {
            self.identifier()
        } else {
            Ok(first)
        }
    }

    /// Consumes a parenthesised group and returns the exact text inside it.
    fn parenthesised(&mut self) -> PResult<&'a str> {
        let open = self.expect(Kind::LParen, "(")?;
        let mut depth = 1;
        while let Some(t) = self.peek() {
            self.pos += 1;
            match t.kind {
                Kind::LParen => depth += 1,
                Kind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(self.src[open.end..t.start].trim());
                    }
                }
                _ => {}
            }
        }
        self.error("unbalanced parentheses")
    }

    /// `( name, ... )` of column names, each optionally with COLLATE / ASC / DESC
    /// (reported in `unsupported`, since key columns carry no such options in the IR).
    fn column_list(&mut self, unsupported: &mut Vec<String>) -> PResult<Vec<String>> {
        self.expect(Kind::LParen, "(")?;
        let mut columns = Vec::new();
        loop {
            columns.push(self.identifier()?);
            if self.eat_kw("COLLATE") {
                let coll = self.identifier()?;
                unsupported.push(format!("COLLATE {coll} on key column"));
            }
            if self.is_kw("ASC") || self.is_kw("DESC") {
                let t = self
                    .peek()
                    .map(|t| self.text(t).to_owned())
                    .unwrap_or_default();
                self.pos += 1;
                unsupported.push(format!("{t} on key column"));
            }
            if self.eat(Kind::Comma) {
                continue;
            }
            self.expect(Kind::RParen, ") or ,")?;
            return Ok(columns);
        }
    }

    fn conflict_clause(&mut self, unsupported: &mut Vec<String>) -> PResult<()> {
        if self.is_kw("ON") && self.is_kw_at(1, "CONFLICT") {
            self.pos += 2;
            let action = self.identifier()?;
            unsupported.push(format!("ON CONFLICT {}", action.to_ascii_uppercase()));
        }
        Ok(())
    }

    fn foreign_key_clause(&mut self, fk: &mut ParsedForeignKey) -> PResult<()> {
        self.expect_kw("REFERENCES")?;
        fk.table = self.identifier()?;
        if self.is(Kind::LParen) {
            let mut ignored = Vec::new();
            fk.referenced_columns = self.column_list(&mut ignored)?;
        }
        loop {
            if self.eat_kw("ON") {
                // DELETE|UPDATE action: the pragma reports these; skip the words.
                self.identifier()?;
                // Two-word actions: SET NULL, SET DEFAULT, NO ACTION.
                if !self.eat_kw("SET") {
                    self.eat_kw("NO");
                }
                self.identifier()?;
            } else if self.eat_kw("MATCH") {
                fk.match_type = Some(self.identifier()?.to_ascii_uppercase());
            } else {
                break;
            }
        }
        let not = self.is_kw("NOT") && self.is_kw_at(1, "DEFERRABLE");
        if not {
            self.pos += 1;
        }
        if self.eat_kw("DEFERRABLE") {
            fk.deferrable = !not;
            if self.eat_kw("INITIALLY") {
                if self.eat_kw("DEFERRED") {
                    fk.initially_deferred = !not;
                } else {
                    self.expect_kw("IMMEDIATE")?;
                }
            }
        }
        Ok(())
    }

    fn skip_create_prefix(&mut self, object: &str) -> PResult<String> {
        self.expect_kw("CREATE")?;
        if !self.eat_kw("TEMP") {
            self.eat_kw("TEMPORARY");
        }
        self.eat_kw("UNIQUE");
        self.expect_kw(object)?;
        if self.is_kw("IF") {
            self.pos += 1;
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
        }
        self.qualified_name()
    }

    fn at_column_constraint(&self) -> bool {
        [
            "CONSTRAINT",
            "PRIMARY",
            "NOT",
            "NULL",
            "UNIQUE",
            "CHECK",
            "DEFAULT",
            "COLLATE",
            "REFERENCES",
            "GENERATED",
            "AS",
        ]
        .iter()
        .any(|kw| self.is_kw(kw))
    }

    fn column_def(&mut self, table: &mut ParsedTable) -> PResult<()> {
        let mut column = ParsedColumn {
            name: self.identifier()?,
            ..ParsedColumn::default()
        };
        // The type name: the pragma reports it; skip its tokens.
        while !self.at_column_constraint() && !self.is(Kind::Comma) && !self.is(Kind::RParen) {
            if self.is(Kind::LParen) {
                self.parenthesised()?;
            } else if self.peek().is_none() {
                return self.error("expected ) after the column list");
            } else {
                self.pos += 1;
            }
        }
        let mut name: Option<String> = None;
        while self.at_column_constraint() {
            if self.eat_kw("CONSTRAINT") {
                name = Some(self.identifier()?);
                continue;
            }
            if self.eat_kw("PRIMARY") {
                self.expect_kw("KEY")?;
                if self.is_kw("ASC") || self.is_kw("DESC") {
                    let t = self
                        .peek()
                        .map(|t| self.text(t).to_owned())
                        .unwrap_or_default();
                    table.unsupported.push(format!("{t} on key column"));
                    self.pos += 1;
                }
                self.conflict_clause(&mut table.unsupported)?;
                column.autoincrement = self.eat_kw("AUTOINCREMENT");
                table.constraints.push(ParsedConstraint::PrimaryKey {
                    name: name.take(),
                    columns: vec![column.name.clone()],
                });
            } else if self.eat_kw("NOT") {
                self.expect_kw("NULL")?;
                self.conflict_clause(&mut table.unsupported)?;
                name = None;
            } else if self.eat_kw("NULL") {
                self.conflict_clause(&mut table.unsupported)?;
                name = None;
            } else if self.eat_kw("UNIQUE") {
                self.conflict_clause(&mut table.unsupported)?;
                table.constraints.push(ParsedConstraint::Unique {
                    name: name.take(),
                    columns: vec![column.name.clone()],
                });
            } else if self.eat_kw("CHECK") {
                let expr = self.parenthesised()?.to_owned();
                table.constraints.push(ParsedConstraint::Check {
                    name: name.take(),
                    expr,
                });
            } else if self.eat_kw("DEFAULT") {
                column.default = Some(self.default_value()?.to_owned());
                name = None;
            } else if self.eat_kw("COLLATE") {
                column.collation = Some(self.identifier()?);
                name = None;
            } else if self.is_kw("REFERENCES") {
                let mut fk = ParsedForeignKey {
                    name: name.take(),
                    columns: vec![column.name.clone()],
                    ..ParsedForeignKey::default()
                };
                self.foreign_key_clause(&mut fk)?;
                table.constraints.push(ParsedConstraint::ForeignKey(fk));
            } else {
                if self.eat_kw("GENERATED") {
                    self.expect_kw("ALWAYS")?;
                }
                self.expect_kw("AS")?;
                let expr = self.parenthesised()?.to_owned();
                let stored = if self.eat_kw("STORED") {
                    true
                } else {
                    self.eat_kw("VIRTUAL");
                    false
                };
                column.generated = Some((expr, stored));
                name = None;
            }
        }
        table.columns.push(column);
        Ok(())
    }

    /// The exact text of a default: `(expr)`, a signed number, or one literal/keyword.
    fn default_value(&mut self) -> PResult<&'a str> {
        let start = self.offset();
        if self.is(Kind::LParen) {
            self.parenthesised()?;
        } else {
            if self
                .peek()
                .is_some_and(|t| t.kind == Kind::Op && matches!(self.text(t), "+" | "-"))
            {
                self.pos += 1;
            }
            match self.peek() {
                Some(t) if !matches!(t.kind, Kind::Comma | Kind::RParen | Kind::LParen) => {
                    self.pos += 1
                }
                _ => return self.error("expected a default value"),
            }
        }
        let end = self.tokens[self.pos - 1].end;
        Ok(&self.src[start..end])
    }

    fn table_constraint(&mut self, table: &mut ParsedTable) -> PResult<()> {
        let name = if self.eat_kw("CONSTRAINT") {
            Some(self.identifier()?)
        } else {
            None
        };
        if self.eat_kw("PRIMARY") {
            self.expect_kw("KEY")?;
            let columns = self.column_list(&mut table.unsupported)?;
            self.conflict_clause(&mut table.unsupported)?;
            table
                .constraints
                .push(ParsedConstraint::PrimaryKey { name, columns });
        } else if self.eat_kw("UNIQUE") {
            let columns = self.column_list(&mut table.unsupported)?;
            self.conflict_clause(&mut table.unsupported)?;
            table
                .constraints
                .push(ParsedConstraint::Unique { name, columns });
        } else if self.eat_kw("CHECK") {
            let expr = self.parenthesised()?.to_owned();
            table
                .constraints
                .push(ParsedConstraint::Check { name, expr });
        } else if self.eat_kw("FOREIGN") {
            self.expect_kw("KEY")?;
            let mut fk = ParsedForeignKey {
                name,
                columns: self.column_list(&mut table.unsupported)?,
                ..ParsedForeignKey::default()
            };
            self.foreign_key_clause(&mut fk)?;
            table.constraints.push(ParsedConstraint::ForeignKey(fk));
        } else {
            return self.error("expected PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY");
        }
        Ok(())
    }

    fn at_table_constraint(&self) -> bool {
        ["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]
            .iter()
            .any(|kw| self.is_kw(kw))
    }
}

/// Parses `CREATE TABLE`.
pub fn parse_create_table(sql: &str) -> PResult<ParsedTable> {
    let mut p = Parser::new(sql)?;
    p.skip_create_prefix("TABLE")?;
    let mut table = ParsedTable::default();
    p.expect(Kind::LParen, "( after the table name")?;
    loop {
        if p.at_table_constraint() {
            p.table_constraint(&mut table)?;
        } else {
            p.column_def(&mut table)?;
        }
        if p.eat(Kind::Comma) {
            continue;
        }
        p.expect(Kind::RParen, ", or ) in the column list")?;
        break;
    }
    // Table options (WITHOUT ROWID, STRICT) are read from pragma_table_list.
    Ok(table)
}

/// Parses `CREATE [UNIQUE] INDEX`.
pub fn parse_create_index(sql: &str) -> PResult<ParsedIndex> {
    let mut p = Parser::new(sql)?;
    let unique = p.is_kw_at(1, "UNIQUE");
    p.skip_create_prefix("INDEX")?;
    p.expect_kw("ON")?;
    p.identifier()?;
    let list_start = p.pos;
    p.parenthesised()?;
    let list_end = p.pos - 1;
    let mut keys = Vec::new();
    let mut item: Vec<Token> = Vec::new();
    let mut depth = 0;
    for &t in &p.tokens[list_start + 1..list_end] {
        match t.kind {
            Kind::LParen => depth += 1,
            Kind::RParen => depth -= 1,
            Kind::Comma if depth == 0 => {
                keys.push(index_key(&p, &item)?);
                item.clear();
                continue;
            }
            _ => {}
        }
        item.push(t);
    }
    keys.push(index_key(&p, &item)?);
    let predicate = if p.eat_kw("WHERE") {
        let start = p.offset();
        Some(
            sql[start..]
                .trim()
                .trim_end_matches(';')
                .trim_end()
                .to_owned(),
        )
    } else {
        None
    };
    Ok(ParsedIndex {
        unique,
        keys,
        predicate,
    })
}

fn index_key(p: &Parser<'_>, tokens: &[Token]) -> PResult<ParsedIndexKey> {
    let word = |t: &Token, kw: &str| t.kind == Kind::Word && p.text(*t).eq_ignore_ascii_case(kw);
    let mut end = tokens.len();
    let mut order = None;
    if let Some(last) = tokens.last() {
        if word(last, "ASC") || word(last, "DESC") {
            order = Some(p.text(*last).to_ascii_uppercase());
            end -= 1;
        }
    }
    let mut collation = None;
    if end >= 3 && word(&tokens[end - 2], "COLLATE") {
        collation = Some(unquote(p.text(tokens[end - 1])));
        end -= 2;
    }
    if end == 0 {
        return Err(ParseError {
            message: "empty index key".into(),
            offset: tokens.first().map_or(0, |t| t.start),
        });
    }
    let expr = p.src[tokens[0].start..tokens[end - 1].end].to_owned();
    let identifier =
        (end == 1 && matches!(tokens[0].kind, Kind::Word | Kind::Quoted)).then(|| unquote(&expr));
    Ok(ParsedIndexKey {
        expr,
        identifier,
        collation,
        order,
    })
}

/// Parses `CREATE VIEW`.
pub fn parse_create_view(sql: &str) -> PResult<ParsedView> {
    let mut p = Parser::new(sql)?;
    p.skip_create_prefix("VIEW")?;
    let mut columns = Vec::new();
    if p.is(Kind::LParen) {
        let mut ignored = Vec::new();
        columns = p.column_list(&mut ignored)?;
    }
    p.expect_kw("AS")?;
    let start = p.offset();
    let query = sql[start..]
        .trim()
        .trim_end_matches(';')
        .trim_end()
        .to_owned();
    Ok(ParsedView { columns, query })
}

/// Whether `text` is exactly one string literal; returns its value.
pub fn string_literal(text: &str) -> Option<String> {
    let tokens = tokenize(text).ok()?;
    match tokens.as_slice() {
        [t] if t.kind == Kind::Str && t.start == 0 && t.end == text.len() => Some(unquote(text)),
        _ => None,
    }
}

/// Whether `text` is exactly a (signed) decimal number.
pub fn number_literal(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let tokens = match tokenize(digits) {
        Ok(t) => t,
        Err(_) => return false,
    };
    matches!(tokens.as_slice(), [t] if t.kind == Kind::Number && t.start == 0 && t.end == digits.len())
        && !digits.starts_with("0x")
        && !digits.starts_with("0X")
}

/// Parses `CREATE VIRTUAL TABLE [IF NOT EXISTS] name USING module(arguments)`: the
/// module's name and its arguments as written, split at the top-level commas.
pub fn virtual_table_module(sql: &str) -> PResult<(String, Vec<String>)> {
    let mut p = Parser::new(sql)?;
    p.expect_kw("CREATE")?;
    p.expect_kw("VIRTUAL")?;
    p.expect_kw("TABLE")?;
    if p.is_kw("IF") {
        p.pos += 1;
        p.expect_kw("NOT")?;
        p.expect_kw("EXISTS")?;
    }
    p.qualified_name()?;
    p.expect_kw("USING")?;
    let module = p.identifier()?;
    let mut arguments = Vec::new();
    if p.is(Kind::LParen) {
        let list_start = p.pos;
        p.parenthesised()?;
        let list_end = p.pos - 1;
        let mut item: Vec<Token> = Vec::new();
        let mut depth = 0;
        let mut flush = |item: &mut Vec<Token>| {
            if let (Some(first), Some(last)) = (item.first(), item.last()) {
                arguments.push(p.src[first.start..last.end].to_owned());
            }
            item.clear();
        };
        for &t in &p.tokens[list_start + 1..list_end] {
            match t.kind {
                Kind::LParen => depth += 1,
                Kind::RParen => depth -= 1,
                Kind::Comma if depth == 0 => {
                    flush(&mut item);
                    continue;
                }
                _ => {}
            }
            item.push(t);
        }
        flush(&mut item);
    }
    Ok((module, arguments))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_with_every_clause() {
        let t = parse_create_table(
            "CREATE TABLE IF NOT EXISTS main.\"t\" ( -- comment\n\
             id INTEGER CONSTRAINT pk PRIMARY KEY AUTOINCREMENT,\n\
             [na me] VARCHAR(10, 2) NOT NULL DEFAULT 'it''s' COLLATE NOCASE UNIQUE,\n\
             n NUMERIC DEFAULT -5 CHECK (n > 0 AND (n < 10)),\n\
             d DEFAULT (datetime('now')),\n\
             g AS (n * 2) STORED, v INT GENERATED ALWAYS AS (n+1) VIRTUAL,\n\
             p REFERENCES parent(id) ON DELETE SET NULL ON UPDATE NO ACTION,\n\
             CONSTRAINT \"u 2\" UNIQUE (n, d) ON CONFLICT REPLACE,\n\
             FOREIGN KEY (n) REFERENCES `other` MATCH FULL DEFERRABLE INITIALLY DEFERRED,\n\
             CHECK (d IS NOT NULL)) WITHOUT ROWID",
        )
        .unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["id", "na me", "n", "d", "g", "v", "p"]);
        assert!(t.columns[0].autoincrement);
        assert_eq!(t.columns[1].default.as_deref(), Some("'it''s'"));
        assert_eq!(t.columns[1].collation.as_deref(), Some("NOCASE"));
        assert_eq!(t.columns[2].default.as_deref(), Some("-5"));
        assert_eq!(t.columns[3].default.as_deref(), Some("(datetime('now'))"));
        assert_eq!(t.columns[4].generated, Some(("n * 2".to_owned(), true)));
        assert_eq!(t.columns[5].generated, Some(("n+1".to_owned(), false)));
        assert_eq!(t.unsupported, vec!["ON CONFLICT REPLACE".to_owned()]);
        assert_eq!(
            t.constraints[0],
            ParsedConstraint::PrimaryKey {
                name: Some("pk".into()),
                columns: vec!["id".into()]
            }
        );
        assert_eq!(
            t.constraints[2],
            ParsedConstraint::Check {
                name: None,
                expr: "n > 0 AND (n < 10)".into()
            }
        );
        let ParsedConstraint::ForeignKey(fk) = &t.constraints[5] else {
            panic!("expected a foreign key, got {:?}", t.constraints[5]);
        };
        assert_eq!(fk.table, "other");
        assert_eq!(fk.match_type.as_deref(), Some("FULL"));
        assert!(fk.deferrable && fk.initially_deferred);
        assert_eq!(t.constraints.len(), 7);
    }

    #[test]
    fn index_keys_and_predicate() {
        let ix = parse_create_index(
            "CREATE UNIQUE INDEX \"i\" ON t (a COLLATE NOCASE DESC, (a + b), lower(c) ASC, \"d\"\"x\") WHERE a > 0",
        )
        .unwrap();
        assert!(ix.unique);
        assert_eq!(ix.keys.len(), 4);
        assert_eq!(ix.keys[0].identifier.as_deref(), Some("a"));
        assert_eq!(ix.keys[0].collation.as_deref(), Some("NOCASE"));
        assert_eq!(ix.keys[0].order.as_deref(), Some("DESC"));
        assert_eq!(ix.keys[1].expr, "(a + b)");
        assert_eq!(ix.keys[1].identifier, None);
        assert_eq!(ix.keys[2].expr, "lower(c)");
        assert_eq!(ix.keys[3].identifier.as_deref(), Some("d\"x"));
        assert_eq!(ix.predicate.as_deref(), Some("a > 0"));
    }

    #[test]
    fn view_columns_and_query() {
        let v = parse_create_view("CREATE VIEW v (a, \"b c\") AS SELECT 1, 2").unwrap();
        assert_eq!(v.columns, ["a", "b c"]);
        assert_eq!(v.query, "SELECT 1, 2");
    }

    #[test]
    fn literals() {
        assert_eq!(string_literal("'a''b'").as_deref(), Some("a'b"));
        assert_eq!(string_literal("'a' || 'b'"), None);
        assert!(number_literal("-5"));
        assert!(number_literal("1.5e3"));
        assert!(!number_literal("1+2"));
        assert!(!number_literal("0x1F"));
    }

    #[test]
    fn errors_name_the_place() {
        let err = parse_create_table("CREATE TABLE t (a INT, CONSTRAINT c FOO (a))").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected PRIMARY KEY, UNIQUE, CHECK or FOREIGN KEY, found `FOO` at byte 36"
        );
        let err = parse_create_table("CREATE TABLE t (a INT").unwrap_err();
        assert_eq!(
            err.to_string(),
            "expected ) after the column list, found end of statement at byte 21"
        );
    }

    #[test]
    fn a_virtual_table_gives_its_module_and_its_arguments_as_written() {
        let (module, arguments) = virtual_table_module(
            "CREATE VIRTUAL TABLE IF NOT EXISTS \"a b\" USING FTS5(title, body, \
             content='docs', tokenize = 'porter unicode61', prefix='2 3')",
        )
        .unwrap();
        assert_eq!(module, "FTS5");
        assert_eq!(
            arguments,
            [
                "title",
                "body",
                "content='docs'",
                "tokenize = 'porter unicode61'",
                "prefix='2 3'"
            ]
        );
        let (module, arguments) =
            virtual_table_module("create virtual table t using my_module").unwrap();
        assert_eq!((module.as_str(), arguments.len()), ("my_module", 0));
        assert!(virtual_table_module("CREATE TABLE t (a)").is_err());
    }
}
