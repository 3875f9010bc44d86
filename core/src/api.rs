//! The library's front door: [`DdlExtractor`] (reflect once, then ask for DDL per table
//! or per phase), [`DdlApplier`] (run DDL on a target) and [`clone_schema`].

use std::path::Path;
use std::sync::Arc;

use crate::apply::{ApplyOptions, ApplyReport};
use crate::dialect::{Dialect, ReflectOptions};
use crate::error::{Error, Result};
use crate::ir::{quoted, QualifiedName, Schema, Table};
use crate::object::{ObjectId, ObjectKind, Phase};
use crate::plan::{plan, Plan, Policy};
use crate::registry::Registry;
use crate::snapshot;
use crate::statement::Statement;
use crate::translate::{LossReport, Translation};
use crate::url::DbUrl;

/// Where a schema comes from: a live database or a snapshot file.
#[derive(Debug, Clone)]
pub enum Source {
    /// A database URL.
    Url(DbUrl),
    /// A snapshot file written by `snapshot`.
    Snapshot(std::path::PathBuf),
}

impl Source {
    /// A URL when the text has a scheme (`sqlite://...`), otherwise a snapshot path.
    pub fn parse(input: &str) -> Result<Source> {
        if DbUrl::looks_like_url(input) {
            Ok(Source::Url(DbUrl::parse(input)?))
        } else {
            Ok(Source::Snapshot(input.into()))
        }
    }

    /// How the source is named in messages (URLs redacted).
    pub fn describe(&self) -> String {
        match self {
            Source::Url(url) => url.to_string(),
            Source::Snapshot(path) => path.display().to_string(),
        }
    }
}

/// How [`DdlExtractor::open_with`] reads a source: where primary keys go, and what to
/// reflect and keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct OpenOptions {
    /// Where primary keys go.
    pub policy: Policy,
    /// What to reflect, and the selection of objects to keep.
    pub reflect: ReflectOptions,
    /// The dialect to render for (`postgres`, `mysql`, `sqlite`), when it is not the
    /// source's: the schema is then translated ([`crate::translate()`]) as `translation`
    /// says.
    pub target: Option<String>,
    /// How a schema is translated for another dialect.
    pub translation: Translation,
    /// The phases whose statements the extractor holds (`None`: every phase); a phase
    /// it does not hold is rendered when asked for ([`DdlExtractor::phase_statements`]),
    /// and [`DdlExtractor::check_renders`] renders each such phase once, keeping
    /// nothing, to refuse what cannot be rendered before anything is applied. The CLI's
    /// `ddl --phase` holds its phase, `apply` and `clone` none: at thousands of tables a
    /// phase's statements take tens of megabytes.
    pub phases: Option<Vec<Phase>>,
}

impl OpenOptions {
    /// The same options with `policy`.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// The same options with `reflect`.
    pub fn with_reflect(mut self, reflect: ReflectOptions) -> Self {
        self.reflect = reflect;
        self
    }

    /// The same options rendering for the dialect named `target` (translating the
    /// schema when it is another dialect's).
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// The same options translating as `translation` says.
    pub fn with_translation(mut self, translation: Translation) -> Self {
        self.translation = translation;
        self
    }

    /// The same options keeping only what `selection` selects.
    pub fn with_selection(mut self, selection: crate::filter::Selection) -> Self {
        self.reflect.selection = selection;
        self
    }

    /// The same options holding the statements of `phases` only (see
    /// [`OpenOptions::phases`]).
    pub fn with_phases(mut self, phases: &[Phase]) -> Self {
        self.phases = Some(phases.to_vec());
        self
    }
}

/// A source read into the IR, neither planned nor rendered: what [`read_source`] gives.
#[non_exhaustive]
pub struct SourceSchema {
    /// The schema, the selection applied.
    pub schema: Schema,
    /// The dialect that reflected it (for a snapshot, the one it names).
    pub dialect: Arc<dyn Dialect>,
    /// How messages name the source (URLs redacted).
    pub source_name: String,
    /// Catalog queries the reflection issued (0 for a snapshot).
    pub queries: u64,
}

/// Reflects `source` (a URL or a snapshot path) into the IR and applies the selection
/// of `options`, without planning or rendering anything: what a `snapshot` needs, at a
/// fraction of [`DdlExtractor::open_with`]'s memory. Policy rewrites are not made.
pub fn read_source(
    source: &str,
    registry: &Registry,
    options: &ReflectOptions,
) -> Result<SourceSchema> {
    let source = Source::parse(source)?;
    let (mut schema, dialect, queries) = match &source {
        Source::Url(url) => {
            let dialect = registry.resolve(url)?;
            let reflection = dialect.reflect(url, options)?;
            (reflection.schema, dialect, reflection.queries)
        }
        Source::Snapshot(path) => {
            let schema = read_snapshot(path)?;
            let dialect = registry.by_name(&schema.dialect)?;
            (schema, dialect, 0)
        }
    };
    options
        .selection
        .apply(&mut schema, dialect.capabilities().identifier_case)?;
    schema.shrink_to_fit();
    Ok(SourceSchema {
        schema,
        dialect,
        source_name: source.describe(),
        queries,
    })
}

/// Counts, in the rows of `source` (a database URL), the values the target dialect of
/// `extractor` cannot hold when its schema was translated from `source`'s dialect
/// (MySQL's zero dates for PostgreSQL and SQLite, [`Dialect::check_source`]): one
/// finding per column that could hold them. Nothing for a schema of the target's own
/// dialect or a snapshot source (its rows are not at hand). `reflect` selects the
/// tables as the extractor was opened with.
pub fn check_source(
    source: &str,
    registry: &Registry,
    extractor: &DdlExtractor,
    reflect: &ReflectOptions,
    options: &crate::check::CheckOptions,
) -> Result<Vec<crate::Finding>> {
    if extractor.loss.is_none() {
        return Ok(Vec::new());
    }
    let Source::Url(url) = Source::parse(source)? else {
        return Ok(Vec::new());
    };
    let read = read_source(source, registry, reflect)?;
    read.dialect
        .check_source(&url, &read.schema, extractor.dialect.name(), options)
}

/// Reflects a source once and answers every DDL question from that one reflection.
pub struct DdlExtractor {
    dialect: Arc<dyn Dialect>,
    source_name: String,
    /// Shared with [`DdlExtractor::complete_tables`]'s extractor.
    schema: Arc<Schema>,
    policy: Policy,
    plan: Plan,
    /// The statements of the phases in `holds`, in order.
    statements: Vec<Statement>,
    /// The phases whose statements `statements` holds; the others are rendered when
    /// asked for.
    holds: Vec<Phase>,
    queries: u64,
    /// What became of each source object, when the schema was translated.
    loss: Option<Arc<LossReport>>,
}

impl DdlExtractor {
    /// Reflects `source` (a URL or a snapshot path) with the dialects compiled into this
    /// build and the default policy.
    pub fn new(source: &str) -> Result<Self> {
        Self::open(source, &Registry::builtin()?, &Policy::default())
    }

    /// Reflects `source` with an explicit registry (for plugins) and policy.
    pub fn open(source: &str, registry: &Registry, policy: &Policy) -> Result<Self> {
        Self::open_with(
            source,
            registry,
            &OpenOptions::default().with_policy(policy.clone()),
        )
    }

    /// Like [`DdlExtractor::open`], as `options` say: the policy, and the reflection
    /// options whose [`selection`](ReflectOptions::selection) filters the schema.
    pub fn open_with(source: &str, registry: &Registry, options: &OpenOptions) -> Result<Self> {
        let read = read_source(source, registry, &options.reflect)?;
        let holds = options.phases.as_deref().unwrap_or(&Phase::ALL);
        let mut extractor = match &options.target {
            Some(target) if target != read.dialect.name() => {
                let dialect = registry.by_name(target)?;
                // The policy first: what it leaves out (owners with `-O`) is not reported.
                let mut schema = read.schema;
                crate::rewrite::rewrite(&mut schema, &options.policy);
                let translated =
                    crate::translate::translate(schema, dialect.as_ref(), &options.translation)?;
                let mut extractor =
                    Self::from_schema_holding(translated.schema, dialect, &options.policy, holds)?;
                extractor.loss = Some(Arc::new(translated.report));
                extractor
            }
            _ => Self::from_schema_holding(read.schema, read.dialect, &options.policy, holds)?,
        };
        extractor.source_name = read.source_name;
        extractor.queries = read.queries;
        Ok(extractor)
    }

    /// Plans and renders an already reflected schema with `dialect`; a schema of
    /// another dialect is translated first with the default [`Translation`] (its report
    /// is [`DdlExtractor::loss_report`]). The policy's rewrites (definers, events) are
    /// made to `schema` first.
    pub fn from_schema(schema: Schema, dialect: Arc<dyn Dialect>, policy: &Policy) -> Result<Self> {
        Self::from_schema_holding(schema, dialect, policy, &Phase::ALL)
    }

    /// [`DdlExtractor::from_schema`], holding the statements of `holds` only.
    fn from_schema_holding(
        mut schema: Schema,
        dialect: Arc<dyn Dialect>,
        policy: &Policy,
        holds: &[Phase],
    ) -> Result<Self> {
        let mut loss = None;
        if schema.dialect != dialect.name() {
            let translated =
                crate::translate::translate(schema, dialect.as_ref(), &Translation::default())?;
            schema = translated.schema;
            loss = Some(Arc::new(translated.report));
        }
        crate::rewrite::rewrite(&mut schema, policy);
        let mut extractor = Self::planned(Arc::new(schema), dialect, policy, holds)?;
        extractor.loss = loss;
        Ok(extractor)
    }

    /// What became of each source object, when the schema was translated from another
    /// dialect.
    pub fn loss_report(&self) -> Option<&LossReport> {
        self.loss.as_deref()
    }

    /// Plans and renders `schema`, already rewritten for `policy`.
    fn planned(
        schema: Arc<Schema>,
        dialect: Arc<dyn Dialect>,
        policy: &Policy,
        holds: &[Phase],
    ) -> Result<Self> {
        let plan = plan(&schema, &dialect.capabilities(), policy);
        Self::rendered(schema, dialect, policy, plan, holds)
    }

    /// Renders `schema` as `plan` (made for `policy`) says.
    fn rendered(
        schema: Arc<Schema>,
        dialect: Arc<dyn Dialect>,
        policy: &Policy,
        mut plan: Plan,
        holds: &[Phase],
    ) -> Result<Self> {
        plan.steps.shrink_to_fit();
        let holds: Vec<Phase> = Phase::ALL
            .into_iter()
            .filter(|p| holds.contains(p))
            .collect();
        let statements = match holds.len() == Phase::ALL.len() {
            true => ready(dialect.render(&schema, &plan)?, &plan),
            // The held phases only: the others are rendered when asked for
            // (`check_renders` first, where it matters).
            false => {
                let mut held = Vec::new();
                for &phase in &holds {
                    let statements = render_phase(dialect.as_ref(), &schema, &plan, phase)?;
                    match held.is_empty() {
                        true => held = statements,
                        false => held.extend(statements),
                    }
                }
                held.shrink_to_fit();
                held
            }
        };
        Ok(DdlExtractor {
            holds,
            dialect,
            source_name: "the schema".into(),
            schema,
            policy: policy.clone(),
            plan,
            statements,
            queries: 0,
            loss: None,
        })
    }

    /// The same schema planned with every table complete in `base`
    /// ([`Policy::complete_tables`]), for a target that will load no rows; `None` when
    /// the dialect cannot create tables so (or the planner keeps the phases' shape: the
    /// schema has routines that need its tables), or when this plan already is so.
    pub fn complete_tables(&self) -> Result<Option<DdlExtractor>> {
        let Some((policy, plan)) = self.complete_plan() else {
            return Ok(None);
        };
        let complete = Self::rendered(
            self.schema.clone(),
            self.dialect.clone(),
            &policy,
            plan,
            &self.holds,
        )?;
        Ok(Some(DdlExtractor {
            source_name: self.source_name.clone(),
            queries: self.queries,
            loss: self.loss.clone(),
            ..complete
        }))
    }

    /// The policy and plan with every table complete in `base`, when they differ from
    /// this extractor's: the dialect can create tables so, this plan is not already so,
    /// and the planner agrees (no routine needs the tables).
    fn complete_plan(&self) -> Option<(Policy, Plan)> {
        if self.plan.complete_tables || !self.dialect.capabilities().complete_tables {
            return None;
        }
        let policy = self.policy.clone().with_complete_tables(true);
        let plan = plan(&self.schema, &self.dialect.capabilities(), &policy);
        plan.complete_tables.then_some((policy, plan))
    }

    /// [`DdlExtractor::complete_tables`], taking the extractor: its own plan and
    /// statements are dropped before the complete ones are rendered, so the two are
    /// never held together. `Err` gives the extractor back, untouched, when there is no
    /// complete plan.
    fn into_complete_tables(self) -> Result<std::result::Result<DdlExtractor, DdlExtractor>> {
        let Some((policy, plan)) = self.complete_plan() else {
            return Ok(Err(self));
        };
        let DdlExtractor {
            schema,
            dialect,
            source_name,
            queries,
            plan: phased,
            statements,
            holds,
            loss,
            ..
        } = self;
        // Gone before the complete statements are rendered (a partly moved `self` would
        // keep them to the end of the function).
        drop((phased, statements));
        let complete = Self::rendered(schema, dialect, &policy, plan, &holds)?;
        Ok(Ok(DdlExtractor {
            source_name,
            queries,
            loss,
            ..complete
        }))
    }

    /// The phased plan again, for an extractor [`DdlExtractor::into_complete_tables`]
    /// made complete.
    fn into_phased(self) -> Result<DdlExtractor> {
        let DdlExtractor {
            schema,
            dialect,
            policy,
            source_name,
            queries,
            plan,
            statements,
            holds,
            loss,
        } = self;
        drop((plan, statements));
        let policy = policy.with_complete_tables(false);
        Ok(DdlExtractor {
            source_name,
            queries,
            loss,
            ..Self::planned(schema, dialect, &policy, &holds)?
        })
    }

    /// The reflected schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The dialect that reflected and renders it.
    pub fn dialect(&self) -> &Arc<dyn Dialect> {
        &self.dialect
    }

    /// The phase plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Catalog queries the reflection issued (0 for a snapshot).
    pub fn queries(&self) -> u64 {
        self.queries
    }

    /// The rendered statements it holds, in order: every phase's, unless it was opened
    /// holding fewer ([`OpenOptions::phases`]).
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// The phases whose statements [`DdlExtractor::statements`] holds.
    pub fn holds(&self) -> &[Phase] {
        &self.holds
    }

    /// Renders each phase it does not hold, keeping nothing: a phase that cannot be
    /// rendered is refused now, before anything is applied, as it is when an extractor
    /// holding every phase opens. One phase's statements are in memory at a time.
    pub fn check_renders(&self) -> Result<()> {
        for phase in Phase::ALL {
            if !self.holds.contains(&phase) {
                render_phase(self.dialect.as_ref(), &self.schema, &self.plan, phase)?;
            }
        }
        Ok(())
    }

    /// The statements of one phase, in order (rendered now when the extractor does not
    /// hold them).
    pub fn phase_statements(&self, phase: Phase) -> Result<Vec<Statement>> {
        Ok(self.phase_slice(phase)?.into_owned())
    }

    /// The statements of one phase: borrowed when it holds them contiguous (as
    /// renderers write them), else copied, or rendered now when it does not hold them.
    /// What reads a large phase without copying it (the convergent apply, `ddl`).
    pub fn phase_slice(&self, phase: Phase) -> Result<std::borrow::Cow<'_, [Statement]>> {
        use std::borrow::Cow;
        if !self.holds.contains(&phase) {
            return Ok(Cow::Owned(render_phase(
                self.dialect.as_ref(),
                &self.schema,
                &self.plan,
                phase,
            )?));
        }
        let of_phase = |s: &Statement| s.phase == Some(phase);
        let Some(first) = self.statements.iter().position(of_phase) else {
            return Ok(Cow::Borrowed(&[]));
        };
        let end = first
            + self.statements[first..]
                .iter()
                .take_while(|s| of_phase(s))
                .count();
        if self.statements[end..].iter().any(of_phase) {
            let copied = self.statements.iter().filter(|s| of_phase(s)).cloned();
            return Ok(Cow::Owned(copied.collect()));
        }
        Ok(Cow::Borrowed(&self.statements[first..end]))
    }

    /// The SQL of one phase, in order (rendered now when the extractor does not hold
    /// its statements).
    pub fn phase_ddl(&self, phase: Phase) -> Result<Vec<String>> {
        Ok(match self.phase_slice(phase)? {
            std::borrow::Cow::Borrowed(statements) => {
                statements.iter().map(|s| s.sql.clone()).collect()
            }
            std::borrow::Cow::Owned(statements) => statements.into_iter().map(|s| s.sql).collect(),
        })
    }

    /// Everything the user must hear about: objects not replicated, policy not honoured.
    pub fn warnings(&self) -> Vec<String> {
        let translation = self.loss.iter().flat_map(|l| l.warnings());
        self.schema
            .skipped
            .iter()
            .map(|s| s.to_string())
            .chain(self.plan.warnings.iter().cloned())
            .chain(translation)
            .collect()
    }

    /// The table called `name` (exact spelling; `schema.name` where there are schemas).
    pub fn table(&self, name: &str) -> Result<&Table> {
        let exact = self.schema.tables.iter().find(|t| {
            t.name.name == name
                || t.name
                    .schema
                    .as_ref()
                    .is_some_and(|s| format!("{s}.{}", t.name.name) == name)
        });
        exact.ok_or_else(|| {
            let hint = self
                .schema
                .tables
                .iter()
                .find(|t| t.name.name.eq_ignore_ascii_case(name))
                .map(|t| format!("; did you mean {}?", t.name))
                .unwrap_or_default();
            Error::UnknownTable {
                table: quoted(name),
                source_name: self.source_name.clone(),
                hint,
            }
        })
    }

    /// `CREATE TABLE` for the `base` phase: columns, types, defaults, identity and the
    /// primary key (unless deferred), without foreign keys or other constraints.
    pub fn table_base_ddl(&self, table: &str) -> Result<String> {
        let table = self.table(table)?;
        let sql: Vec<String> = self
            .phase_slice(Phase::Base)?
            .iter()
            .filter(|s| owned_by(s, table))
            .map(|s| s.sql.clone())
            .collect();
        Ok(sql.join(";\n"))
    }

    /// The `seal` statements that add this table's constraints and indexes (unique,
    /// check, foreign keys, deferred primary key, indexes). Views, triggers and counters
    /// come with the whole seal phase.
    pub fn constraints_and_indexes_ddl(&self, table: &str) -> Result<Vec<String>> {
        let table = self.table(table)?;
        Ok(self
            .phase_slice(Phase::Seal)?
            .iter()
            .filter(|s| {
                owned_by(s, table)
                    && s.objects.iter().any(|o| {
                        matches!(
                            o.kind,
                            ObjectKind::PrimaryKey
                                | ObjectKind::Unique
                                | ObjectKind::Check
                                | ObjectKind::ForeignKey
                                | ObjectKind::Index
                        )
                    })
            })
            .map(|s| s.sql.clone())
            .collect())
    }
}

/// The statements of `phase` of `plan`, ready to apply: rendered with
/// [`Dialect::render_phase`], their requirements attached.
fn render_phase(
    dialect: &dyn Dialect,
    schema: &Schema,
    plan: &Plan,
    phase: Phase,
) -> Result<Vec<Statement>> {
    Ok(ready(dialect.render_phase(schema, plan, phase)?, plan))
}

/// Rendered statements made ready to hold and apply: no spare capacity (a vector grown
/// by doubling can hold twice what it needs: 12 MiB at 5,000 PostgreSQL tables), their
/// requirements attached from `plan`.
fn ready(mut statements: Vec<Statement>, plan: &Plan) -> Vec<Statement> {
    statements.shrink_to_fit();
    crate::plan::attach_requirements(plan, &mut statements);
    statements
}

fn owned_by(statement: &Statement, table: &Table) -> bool {
    statement
        .objects
        .iter()
        .any(|o| o.table.as_ref() == Some(&table.name))
}

fn read_snapshot(path: &Path) -> Result<Schema> {
    if !path.exists() {
        return Err(Error::Snapshot {
            path: path.display().to_string(),
            reason: "no such file (a database is given as a URL, e.g. sqlite://path/to.db)".into(),
        });
    }
    snapshot::read(path)
}

/// Applies DDL to one target database.
pub struct DdlApplier {
    dialect: Arc<dyn Dialect>,
    url: DbUrl,
}

impl DdlApplier {
    /// An applier for `target` (a URL) with the dialects compiled into this build.
    pub fn new(target: &str) -> Result<Self> {
        Self::open(target, &Registry::builtin()?)
    }

    /// An applier for `target` with an explicit registry.
    pub fn open(target: &str, registry: &Registry) -> Result<Self> {
        let url = DbUrl::parse(target)?;
        let dialect = registry.resolve(&url)?;
        Ok(DdlApplier { dialect, url })
    }

    /// The target's dialect.
    pub fn dialect(&self) -> &Arc<dyn Dialect> {
        &self.dialect
    }

    /// The target URL (displays redacted).
    pub fn url(&self) -> &DbUrl {
        &self.url
    }

    /// Runs plain SQL statements, all or nothing where the dialect has transactional DDL.
    pub fn apply_ddl(&self, statements: &[String]) -> Result<ApplyReport> {
        let statements: Vec<Statement> = statements
            .iter()
            .enumerate()
            .map(|(i, sql)| Statement {
                phase: None,
                objects: vec![{
                    let mut id = ObjectId::standalone(
                        ObjectKind::Statement,
                        &QualifiedName::bare(format!("#{}", i + 1)),
                    );
                    id.unnamed = true;
                    id.ordinal = i;
                    id
                }],
                sql: sql.clone(),
                ..Statement::default()
            })
            .collect();
        self.apply(&statements)
    }

    /// Runs rendered statements, all or nothing where the dialect has transactional DDL.
    pub fn apply(&self, statements: &[Statement]) -> Result<ApplyReport> {
        self.dialect.apply(&self.url, statements)
    }

    /// Counts, in this target's loaded data, what the seal of `extractor`'s schema would
    /// refuse (see [`Dialect::check`]), over up to `jobs` connections.
    pub fn check(&self, extractor: &DdlExtractor, jobs: usize) -> Result<Vec<crate::Finding>> {
        self.check_with(
            extractor,
            &crate::check::CheckOptions::default().with_jobs(jobs),
        )
    }

    /// [`DdlApplier::check`] as `options` ask (connections, progress).
    pub fn check_with(
        &self,
        extractor: &DdlExtractor,
        options: &crate::check::CheckOptions,
    ) -> Result<Vec<crate::Finding>> {
        self.check_dialect(extractor)?;
        self.dialect
            .check_with(&self.url, &extractor.schema, options)
    }

    /// Applies one phase of what `extractor` rendered.
    pub fn apply_phase(&self, extractor: &DdlExtractor, phase: Phase) -> Result<ApplyReport> {
        self.apply_phase_with(extractor, phase, &ApplyOptions::default())
    }

    /// Applies one phase of what `extractor` rendered as `options` ask: the seal over
    /// `options.jobs` connections, with a violation policy and a progress callback
    /// (see [`Dialect::apply_with`]).
    pub fn apply_phase_with(
        &self,
        extractor: &DdlExtractor,
        phase: Phase,
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        self.check_dialect(extractor)?;
        let target = self.held(extractor)?;
        self.converge(extractor, phase, target.as_ref(), options)
    }

    /// Applies what `phase` still lacks in the target, which held `target` before it
    /// (see [`crate::converge`]): statements whose objects it holds are skipped (the
    /// report counts them in [`ApplyReport::present`]), and objects it holds with other
    /// definitions refuse the phase before anything runs ([`Error::Diverged`]). A phase
    /// the target holds whole runs nothing: the report's `statements` is 0 and
    /// [`ApplyReport::nothing_to_do`] holds. An interrupted run's journal still counts:
    /// what it lists is not run again.
    fn converge(
        &self,
        extractor: &DdlExtractor,
        phase: Phase,
        target: Option<&Schema>,
        options: &ApplyOptions,
    ) -> Result<ApplyReport> {
        match self.prepare(extractor, phase, target, options)? {
            Prepared::Done(report) => Ok(report),
            Prepared::Run(run) => self.run_prepared(run),
        }
    }

    /// [`DdlApplier::converge`] up to the apply: the phase's statements, what the
    /// target holds of them, its roles checked. What is left to run needs neither the
    /// extractor's schema nor its plan.
    fn prepare<'a>(
        &self,
        extractor: &'a DdlExtractor,
        phase: Phase,
        target: Option<&Schema>,
        options: &ApplyOptions,
    ) -> Result<Prepared<'a>> {
        let statements = extractor.phase_slice(phase)?;
        let run = pending_in(extractor, phase, &statements, target)?;
        if run.iter().any(|r| *r) {
            self.refuse_missing_roles(extractor)?;
        }
        let present: std::collections::BTreeSet<usize> =
            (0..statements.len()).filter(|i| !run[*i]).collect();
        // A journal left behind is the dialect's to clear (and to confirm what the
        // interrupted run applied) even when every object is there.
        if !statements.is_empty()
            && present.len() == statements.len()
            && self.dialect.journal(&self.url, &statements)?.is_none()
        {
            return Ok(Prepared::Done(ApplyReport {
                present: present.len(),
                ..ApplyReport::default()
            }));
        }
        // Owners and privileges the target already holds as the source has them (the
        // applying role's own objects) are not worth a mention: the report counts as
        // skipped only the objects the target held.
        let held_access = present
            .iter()
            .filter(|&&i| {
                statements[i]
                    .objects
                    .iter()
                    .all(|o| o.kind.names_its_object())
            })
            .count();
        Ok(Prepared::Run(PreparedRun {
            statements,
            options: options.clone().with_present(present),
            held_access,
        }))
    }

    /// Applies what [`DdlApplier::prepare`] left to run.
    fn run_prepared(&self, run: PreparedRun<'_>) -> Result<ApplyReport> {
        let mut report = self
            .dialect
            .apply_with(&self.url, &run.statements, &run.options)?;
        report.present = report.present.saturating_sub(run.held_access);
        Ok(report)
    }

    /// Refuses, before anything runs, a target that lacks roles the schema names
    /// (owners, grantees, policy roles), whatever phase is applied: one line lists each
    /// missing role with the first object that needs it.
    fn refuse_missing_roles(&self, extractor: &DdlExtractor) -> Result<()> {
        let roles = extractor.schema.roles();
        if roles.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = roles.iter().map(|(role, _)| role.clone()).collect();
        let missing = self.dialect.missing_roles(&self.url, &names)?;
        if missing.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = roles
            .iter()
            .filter(|(role, _)| missing.contains(role))
            .map(|(role, objects)| {
                let more = match objects.len() {
                    1 => String::new(),
                    n => format!(" and {} more", n - 1),
                };
                format!("{} ({}{more})", crate::ir::quoted(role), objects[0])
            })
            .collect();
        Err(Error::Apply {
            object: "the roles".into(),
            reason: format!("the target has no role {}", listed.join(", ")),
            outcome: "nothing was applied; create the roles, or re-run with --no-owner (-O) \
                      and --no-privileges (-x) to leave owners and privileges out"
                .into(),
        })
    }

    /// The statements of `phase` that [`DdlApplier::apply_phase_with`] would run on this
    /// target as it stands (what it lacks), without running any: a dry run. Refused
    /// like the apply ([`Error::Diverged`]) when the target holds objects of the phase
    /// otherwise than the source has them.
    pub fn pending_statements(
        &self,
        extractor: &DdlExtractor,
        phase: Phase,
    ) -> Result<Vec<Statement>> {
        self.check_dialect(extractor)?;
        let target = self.held(extractor)?;
        let statements = extractor.phase_slice(phase)?;
        let run = pending_in(extractor, phase, &statements, target.as_ref())?;
        Ok(statements
            .iter()
            .zip(run)
            .filter(|(_, run)| *run)
            .map(|(statement, _)| statement.clone())
            .collect())
    }

    /// Where each phase of `extractor`'s schema stands in this target: per phase, how
    /// many of its objects the target holds, lacks and holds with another definition,
    /// and whether an interrupted run left its journal there (one reflection of the
    /// target, and per journaled phase one journal query).
    pub fn status(&self, extractor: &DdlExtractor) -> Result<Status> {
        self.check_dialect(extractor)?;
        let target = self.held(extractor)?;
        let mut phases = Vec::new();
        for phase in Phase::ALL {
            let status = crate::converge::phase_status(
                &extractor.schema,
                &extractor.plan,
                target.as_ref(),
                phase,
            );
            let journal = match &target {
                None => None,
                Some(_) => self
                    .dialect
                    .journal(&self.url, &extractor.phase_slice(phase)?)?,
            };
            phases.push(PhaseReport { status, journal });
        }
        Ok(Status { phases })
    }

    /// Whether this target's journal lists statements of any phase of `extractor`: an
    /// interrupted run of that very plan.
    fn journal_lists(&self, extractor: &DdlExtractor) -> Result<bool> {
        for phase in Phase::ALL {
            let statements = extractor.phase_slice(phase)?;
            if statements.is_empty() {
                continue;
            }
            if self.dialect.journal(&self.url, &statements)?.unwrap_or(0) > 0 {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// What the target holds (`None` when it is empty), as `extractor`'s schema can
    /// describe it: for a translated schema, without what no translation carries
    /// ([`crate::translate::comparable`]).
    fn held(&self, extractor: &DdlExtractor) -> Result<Option<Schema>> {
        let held = self.dialect.reflect_target(&self.url)?;
        Ok(match extractor.loss {
            Some(_) => held.map(|h| crate::translate::comparable(h, &extractor.schema)),
            None => held,
        })
    }

    /// Fails unless the extractor's schema can be applied to this target.
    pub fn check_dialect(&self, extractor: &DdlExtractor) -> Result<()> {
        if extractor.schema.dialect != self.dialect.name() {
            return Err(Error::NotTranslated {
                source_dialect: extractor.schema.dialect.clone(),
                target_dialect: self.dialect.name().to_owned(),
            });
        }
        Ok(())
    }

    /// Fails unless the target holds no table, view or trigger.
    pub fn check_empty(&self) -> Result<()> {
        match self.dialect.first_object(&self.url)? {
            Some(object) => Err(Error::TargetNotEmpty {
                url: self.url.to_string(),
                object,
            }),
            None => Ok(()),
        }
    }
}

/// Which of `statements` (`phase` of `extractor`) a target that holds `target` still
/// needs run; refuses with [`Error::Diverged`] what neither running nor skipping fixes.
fn pending_in(
    extractor: &DdlExtractor,
    phase: Phase,
    statements: &[Statement],
    target: Option<&Schema>,
) -> Result<Vec<bool>> {
    let status = crate::converge::phase_status(&extractor.schema, &extractor.plan, target, phase);
    let mut lines = status.differences();
    let run = crate::converge::pending(statements, &status).unwrap_or_else(|conflicts| {
        lines.extend(conflicts);
        Vec::new()
    });
    if !lines.is_empty() {
        return Err(Error::Diverged {
            phase: phase.to_string(),
            lines,
        });
    }
    Ok(run)
}

/// A phase made ready to apply ([`DdlApplier::prepare`]).
enum Prepared<'a> {
    /// The target holds the whole phase and no journal: nothing to run.
    Done(ApplyReport),
    /// Statements to apply.
    Run(PreparedRun<'a>),
}

/// The statements of a phase to apply, and how.
struct PreparedRun<'a> {
    /// Every statement of the phase; `options` says which the target holds.
    statements: std::borrow::Cow<'a, [Statement]>,
    options: ApplyOptions,
    /// Of the statements the target holds, those that only set an owner or privileges
    /// (not counted as skipped in the report).
    held_access: usize,
}

impl PreparedRun<'_> {
    /// The same run, holding its statements itself.
    fn into_owned(self) -> PreparedRun<'static> {
        PreparedRun {
            statements: std::borrow::Cow::Owned(self.statements.into_owned()),
            options: self.options,
            held_access: self.held_access,
        }
    }
}

/// Where one phase stands in a target ([`DdlApplier::status`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PhaseReport {
    /// Its objects and their states.
    #[serde(flatten)]
    pub status: crate::converge::PhaseStatus,
    /// `None` when no interrupted run left a journal in the target, else how many of
    /// the phase's statements the journal lists.
    pub journal: Option<usize>,
}

/// Where every phase stands in a target ([`DdlApplier::status`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Status {
    /// `pre`, `base` and `seal`, in order.
    pub phases: Vec<PhaseReport>,
}

impl Status {
    /// Whether the target holds every object of every phase, and no journal.
    pub fn sealed(&self) -> bool {
        self.phases
            .iter()
            .all(|p| p.status.complete() && p.journal.is_none())
    }
}

/// The first table, view or trigger of `target` that `source` does not have.
fn foreign_object(source: &Schema, target: &Schema) -> Option<String> {
    let tables: std::collections::HashSet<_> = source.tables.iter().map(|t| &t.name).collect();
    let views: std::collections::HashSet<_> = source.views.iter().map(|v| &v.name).collect();
    let triggers: std::collections::HashSet<_> = source
        .triggers
        .iter()
        .map(|t| (&t.table, &t.name))
        .collect();
    target
        .tables
        .iter()
        .find(|t| !tables.contains(&t.name))
        .map(|t| format!("table {}", t.name))
        .or_else(|| {
            target
                .views
                .iter()
                .find(|v| !views.contains(&v.name))
                .map(|v| format!("view {}", v.name))
        })
        .or_else(|| {
            target
                .triggers
                .iter()
                .find(|t| !triggers.contains(&(&t.table, &t.name)))
                .map(|t| format!("trigger {} on {}", t.name, t.table))
        })
}

/// Whether a target that held `held` has no table, virtual table, view or trigger yet
/// (it may hold what an interrupted `pre` created).
fn no_tables(held: Option<&Schema>) -> bool {
    held.is_none_or(|held| {
        held.tables.is_empty()
            && held.virtual_tables.is_empty()
            && held.views.is_empty()
            && held.triggers.is_empty()
    })
}

/// What a clone did, phase by phase.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CloneReport {
    /// Statements applied per phase, in phase order.
    pub phases: Vec<(Phase, ApplyReport)>,
    /// Warnings (objects not replicated, policy not honoured).
    pub warnings: Vec<String>,
}

/// Copies the schema of `source` (URL or snapshot) into the empty database `target`:
/// `pre`, `base` and `seal`, each applied as its own batch.
pub fn clone_schema(
    source: &str,
    target: &str,
    registry: &Registry,
    policy: &Policy,
) -> Result<CloneReport> {
    let open = OpenOptions::default().with_policy(policy.clone());
    clone_with_options(
        source,
        target,
        registry,
        &CloneOptions::default().with_open(open),
    )
}

/// How [`clone_with_options`] clones: how to read the source (policy, reflection and
/// selection), and how to apply each phase (connections for the seal, progress).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct CloneOptions {
    /// How the source is read.
    pub open: OpenOptions,
    /// How each phase is applied; its progress callback hears every phase in turn.
    pub apply: ApplyOptions,
}

impl CloneOptions {
    /// The same options reading the source as `open` says.
    pub fn with_open(mut self, open: OpenOptions) -> Self {
        self.open = open;
        self
    }

    /// The same options with `apply`.
    pub fn with_apply(mut self, apply: ApplyOptions) -> Self {
        self.apply = apply;
        self
    }
}

/// Copies the schema of `source` (URL or snapshot) into the empty database `target` as
/// `options` say: `pre`, `base` and `seal`, each applied as its own batch.
pub fn clone_with_options(
    source: &str,
    target: &str,
    registry: &Registry,
    options: &CloneOptions,
) -> Result<CloneReport> {
    let mut open = options.open.clone();
    if open.target.is_none() {
        open.target = Some(registry.resolve(&DbUrl::parse(target)?)?.name().to_owned());
    }
    let extractor = DdlExtractor::open_with(source, registry, &open)?;
    clone_extracted_owned(extractor, target, registry, &options.apply)
}

/// Copies what `extractor` read into `target`: `pre`, `base` and `seal`, each applied
/// as its own batch as `apply` says. The target is empty, or holds part or all of the
/// schema (then each phase applies only what it lacks, see [`crate::converge`]); an
/// object the source does not have refuses the clone ([`Error::TargetNotEmpty`]). For
/// callers that show the extractor's warnings before anything is applied.
///
/// A clone loads no rows, so where the dialect can, an empty target gets its tables
/// complete in `base` ([`DdlExtractor::complete_tables`]): no seal rebuilds them to
/// add their keys. A re-run after an interrupted clone goes on the same way when the
/// target's journal lists statements of that form; otherwise the target, holding
/// tables already, gets what each phase still lacks.
pub fn clone_extracted(
    extractor: &DdlExtractor,
    target: &str,
    registry: &Registry,
    apply: &ApplyOptions,
) -> Result<CloneReport> {
    let clone = CloneStart::new(extractor, target, registry, apply)?;
    // Planned again only where it may serve: a target without tables, or one that
    // holds a journal (of that plan, or not).
    let complete = match clone.may_complete {
        true => extractor.complete_tables()?,
        false => None,
    };
    let complete = match complete {
        Some(complete) if clone.takes(&complete)? => Some(complete),
        _ => None,
    };
    clone.run(complete.as_ref().unwrap_or(extractor))
}

/// [`clone_extracted`], taking the extractor: when the clone plans its tables complete,
/// the extractor's own plan and statements are dropped before anything is applied
/// (tens of megabytes at thousands of tables). What the CLI's `clone` runs.
pub fn clone_extracted_owned(
    extractor: DdlExtractor,
    target: &str,
    registry: &Registry,
    apply: &ApplyOptions,
) -> Result<CloneReport> {
    let clone = CloneStart::new(&extractor, target, registry, apply)?;
    let extractor = match clone.may_complete {
        true => match extractor.into_complete_tables()? {
            Ok(complete) if clone.takes(&complete)? => complete,
            // A journal of the phased shape: that plan again.
            Ok(complete) => complete.into_phased()?,
            Err(phased) => phased,
        },
        false => extractor,
    };
    clone.run_owned(extractor)
}

/// A clone checked and planned, before any phase runs.
struct CloneStart {
    applier: DdlApplier,
    held: Option<Schema>,
    report: CloneReport,
    apply: ApplyOptions,
    /// The target holds no table.
    fresh: bool,
    /// The schema planned with complete tables may serve: the target holds no table,
    /// or it holds a journal (of that plan, or not).
    may_complete: bool,
}

impl CloneStart {
    fn new(
        extractor: &DdlExtractor,
        target: &str,
        registry: &Registry,
        apply: &ApplyOptions,
    ) -> Result<Self> {
        let applier = DdlApplier::open(target, registry)?;
        applier.check_dialect(extractor)?;
        // One reflection serves every phase: a phase only adds its own objects.
        let held = applier.held(extractor)?;
        if let Some(object) = held
            .as_ref()
            .and_then(|held| foreign_object(&extractor.schema, held))
        {
            return Err(Error::TargetNotEmpty {
                url: applier.url.to_string(),
                object,
            });
        }
        let report = CloneReport {
            warnings: extractor.warnings(),
            ..CloneReport::default()
        };
        // A clone that starts on a target without tables puts no rows in them.
        let fresh = no_tables(held.as_ref());
        let apply = apply.clone().with_no_rows(fresh);
        let may_complete = fresh || applier.dialect.journal(&applier.url, &[])?.is_some();
        Ok(CloneStart {
            applier,
            held,
            report,
            apply,
            fresh,
            may_complete,
        })
    }

    /// Whether the clone applies `complete`, the schema planned with complete tables:
    /// into a target without tables, or one whose journal lists its statements.
    fn takes(&self, complete: &DdlExtractor) -> Result<bool> {
        Ok(self.fresh || self.applier.journal_lists(complete)?)
    }

    /// Applies every phase of `extractor`, once each renders.
    fn run(mut self, extractor: &DdlExtractor) -> Result<CloneReport> {
        extractor.check_renders()?;
        self.apply_phases(extractor, &Phase::ALL)?;
        Ok(self.report)
    }

    /// Applies `phases` of `extractor`, one after the other, into the report.
    fn apply_phases(&mut self, extractor: &DdlExtractor, phases: &[Phase]) -> Result<()> {
        for &phase in phases {
            let applied =
                self.applier
                    .converge(extractor, phase, self.held.as_ref(), &self.apply)?;
            self.report.phases.push((phase, applied));
        }
        Ok(())
    }

    /// [`CloneStart::run`], taking the extractor: the last phase, the largest, is
    /// rendered and checked against the target, then the schema, its plan and what the
    /// target held are dropped before it is applied (at 5,000 PostgreSQL tables, 37 of
    /// the seal's 65 MiB peak).
    fn run_owned(mut self, extractor: DdlExtractor) -> Result<CloneReport> {
        extractor.check_renders()?;
        let Some((last, first)) = Phase::ALL.split_last() else {
            return Ok(self.report);
        };
        self.apply_phases(&extractor, first)?;
        let prepared =
            self.applier
                .prepare(&extractor, *last, self.held.take().as_ref(), &self.apply)?;
        let applied = match prepared {
            Prepared::Done(report) => report,
            Prepared::Run(run) => {
                let run = run.into_owned();
                drop(extractor);
                self.applier.run_prepared(run)?
            }
        };
        self.report.phases.push((*last, applied));
        Ok(self.report)
    }
}
