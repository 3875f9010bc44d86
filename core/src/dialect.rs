//! The [`Dialect`] trait every database implements, with what its reflection takes and
//! returns.

use crate::apply::{ApplyOptions, ApplyReport, Progress};
use crate::capabilities::Capabilities;
use crate::error::{Error, Result};
use crate::ir::Schema;
use crate::object::Phase;
use crate::plan::Plan;
use crate::statement::Statement;
use crate::url::DbUrl;

/// The result of a reflection: the schema and what it cost.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Reflection {
    /// The schema.
    pub schema: Schema,
    /// Number of catalog queries issued (constant in the number of tables).
    pub queries: u64,
}

/// Options of a reflection.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReflectOptions {
    /// Namespaces to include; empty means all user namespaces. Ignored by SQLite.
    pub schemas: Vec<String>,
    /// The objects to keep once reflected (tables, views and schemas by pattern); the
    /// library applies it after the dialect's reflection.
    #[serde(default)]
    pub selection: crate::filter::Selection,
}

impl ReflectOptions {
    /// Options that limit the reflection to these namespaces (all when empty).
    pub fn with_schemas(schemas: Vec<String>) -> Self {
        ReflectOptions {
            schemas,
            ..ReflectOptions::default()
        }
    }

    /// The same options, keeping only what `selection` selects.
    pub fn with_selection(mut self, selection: crate::filter::Selection) -> Self {
        self.selection = selection;
        self
    }
}

/// A database dialect: reflection, rendering and application of DDL.
///
/// Methods that touch a database take the URL and open their own connection, so a
/// dialect value is stateless and can be shared between threads.
pub trait Dialect: Send + Sync {
    /// Short name (`sqlite`), stored in snapshots.
    fn name(&self) -> &str;
    /// URL schemes it handles (`["sqlite"]`).
    fn url_schemes(&self) -> Vec<String>;
    /// What it can do.
    fn capabilities(&self) -> Capabilities;
    /// Quotes an identifier, doubling the quote character it contains.
    fn quote_ident(&self, ident: &str) -> String;
    /// Reads the schema of the database at `url`.
    fn reflect(&self, url: &DbUrl, options: &ReflectOptions) -> Result<Reflection>;
    /// Renders every step of `plan` into statements, in plan order.
    fn render(&self, schema: &Schema, plan: &Plan) -> Result<Vec<Statement>>;
    /// The statements of one phase that [`Dialect::render`] gives, in plan order: what
    /// an extractor holding fewer than every phase renders, so that it holds one phase's
    /// statements at a time. The default renders every step and keeps `phase`'s;
    /// dialects render only that phase's steps.
    fn render_phase(&self, schema: &Schema, plan: &Plan, phase: Phase) -> Result<Vec<Statement>> {
        let mut statements = self.render(schema, plan)?;
        statements.retain(|s| s.phase == Some(phase));
        Ok(statements)
    }
    /// Executes statements against `url`, all or nothing where the dialect allows it.
    fn apply(&self, url: &DbUrl, statements: &[Statement]) -> Result<ApplyReport>;

    /// One statement as the dialect's own command-line client reads it in a script
    /// (`ddl | psql`, `ddl | mysql`), ended and followed by a blank line. The default
    /// ends it with `;`.
    fn script(&self, sql: &str) -> String {
        format!("{sql};\n\n")
    }

    /// Executes statements against `url` as `options` ask: over up to `options.jobs`
    /// connections, in dependency order, reporting progress, skipping those
    /// `options.present` lists. The default runs [`Dialect::apply`] on one connection
    /// and refuses
    /// [`OnViolation::NotValid`](crate::apply::OnViolation::NotValid).
    fn apply_with(
        &self,
        url: &DbUrl,
        statements: &[Statement],
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        options.refuse_not_valid(self.name(), "")?;
        let started = std::time::Instant::now();
        let mut report = self.apply(url, &options.pending(statements))?;
        report.connections = 1;
        report.present = options.present.len();
        options.report(&Progress::new(
            statements.len(),
            statements.len(),
            started.elapsed(),
        ));
        Ok(report)
    }

    /// Counts, in the loaded data at `url`, what the seal of `schema` would refuse: per
    /// foreign key the orphan rows, per unique constraint or unique index the rows of
    /// duplicated keys, per check the failing rows, per NOT NULL column the NULLs, each
    /// with up to five samples, over up to `jobs` connections. The default runs
    /// [`Dialect::check_with`].
    fn check(&self, url: &DbUrl, schema: &Schema, jobs: usize) -> Result<Vec<crate::Finding>> {
        self.check_with(
            url,
            schema,
            &crate::check::CheckOptions::default().with_jobs(jobs),
        )
    }

    /// [`Dialect::check`] as `options` ask: one set-based query per constraint (per
    /// table for the NOT NULL columns), over `options.jobs` connections, each query done
    /// reported to `options.progress`. Every object checked has a finding; those with
    /// `rows > 0` would fail. Dialects that can check implement this one (with
    /// [`crate::check::Preflight`], [`crate::check::probes`] and
    /// [`crate::check::run_probes`]); the default refuses.
    fn check_with(
        &self,
        url: &DbUrl,
        schema: &Schema,
        options: &crate::check::CheckOptions,
    ) -> Result<Vec<crate::Finding>> {
        let _ = (url, schema, options);
        Err(Error::Unsupported {
            dialect: self.name().to_owned(),
            what: "check loaded data yet".into(),
        })
    }

    /// Whether the database at `url` has the extension `name` installed (PostgreSQL's
    /// `pg_extension`); a translation for it uses what the extension provides
    /// (PostGIS's types). The default: no extensions.
    fn has_extension(&self, url: &DbUrl, name: &str) -> Result<bool> {
        let _ = (url, name);
        Ok(false)
    }

    /// Counts, in the rows of the source database at `url` (whose schema is `schema`),
    /// the values a target of dialect `target` cannot hold (MySQL's zero dates for
    /// PostgreSQL and SQLite), one [`crate::Finding`] per column that could hold them.
    /// The default finds nothing.
    fn check_source(
        &self,
        url: &DbUrl,
        schema: &Schema,
        target: &str,
        options: &crate::check::CheckOptions,
    ) -> Result<Vec<crate::Finding>> {
        let _ = (url, schema, target, options);
        Ok(Vec::new())
    }

    /// What an interrupted apply of `statements` (one phase, as rendered) left in the
    /// target at `url`: `None` when it holds no journal of this dialect, else how many
    /// of these statements the journal lists. Dialects that resume with a journal
    /// answer (with [`crate::journaled::left_behind`]); the default is `None`.
    fn journal(&self, url: &DbUrl, statements: &[Statement]) -> Result<Option<usize>> {
        let _ = (url, statements);
        Ok(None)
    }

    /// The roles of `roles` that the target at `url` lacks: the roles a schema's
    /// statements name (owners, grantees, policy roles; see [`Schema::roles`]), which
    /// the applier asks for before anything of a phase runs. The default says none
    /// (dialects whose statements name no roles, or that check their own).
    fn missing_roles(&self, url: &DbUrl, roles: &[String]) -> Result<Vec<String>> {
        let _ = (url, roles);
        Ok(Vec::new())
    }

    /// The schema the target at `url` holds, for a convergent apply and `status`:
    /// `None` when it holds nothing (or there is no database there yet: a SQLite file
    /// that does not exist). The default reflects it unless [`Dialect::first_object`]
    /// finds no table, view or trigger there; dialects whose earlier phases create other
    /// objects (types, sequences) override it to reflect every target.
    fn reflect_target(&self, url: &DbUrl) -> Result<Option<Schema>> {
        if self.first_object(url)?.is_none() {
            return Ok(None);
        }
        Ok(Some(self.reflect(url, &ReflectOptions::default())?.schema))
    }

    /// Some object that `url` already holds (`table "t"`), or `None` when it is empty.
    /// The default reflects the target; dialects whose targets may not exist yet
    /// (a SQLite file) override it.
    fn first_object(&self, url: &DbUrl) -> Result<Option<String>> {
        Ok(self
            .reflect(url, &ReflectOptions::default())?
            .schema
            .first_object())
    }
}
