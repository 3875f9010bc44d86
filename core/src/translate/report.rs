//! The loss report: every source object of a translation, classified.

use serde::Serialize;

/// How faithfully one source object was translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fidelity {
    /// The target holds it exactly as the source does.
    Exact,
    /// The target holds it with another type or name that keeps every value and rule
    /// (`int unsigned` as `bigint`); `from` and `to` say what became what.
    Mapped,
    /// The target holds it, but something of it is lost or behaves differently (a zero
    /// date default dropped, a collation's case-insensitivity); `reason` says what.
    Lossy,
    /// The target does not hold it at all; `reason` says why.
    Skipped,
}

impl Fidelity {
    /// `exact`, `mapped`, `lossy` or `skipped`.
    pub fn label(self) -> &'static str {
        match self {
            Fidelity::Exact => "exact",
            Fidelity::Mapped => "mapped",
            Fidelity::Lossy => "lossy",
            Fidelity::Skipped => "skipped",
        }
    }
}

/// One source object and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Loss {
    /// The source object (`column "t"."c"`, `index "i" on table "t"`, `view "v"`).
    pub object: String,
    /// How faithfully it was translated.
    pub status: Fidelity,
    /// What the source has (`int unsigned`), when it was mapped or lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// What the target has instead (`bigint`), when it was mapped or lost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why it is not exact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.label(), self.object)?;
        match (&self.from, &self.to) {
            (Some(from), Some(to)) => write!(f, ": {from} -> {to}")?,
            (Some(from), None) => write!(f, ": {from}")?,
            _ => {}
        }
        if let Some(reason) = &self.reason {
            write!(f, " ({reason})")?;
        }
        Ok(())
    }
}

/// Every source object of a translation, classified (the JSON of `--loss-report`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LossReport {
    /// The source's dialect.
    pub source_dialect: String,
    /// The target's dialect.
    pub target_dialect: String,
    /// How many objects are exact, mapped, lossy and skipped.
    pub summary: Summary,
    /// Every source object, in the order the translation met them.
    pub objects: Vec<Loss>,
    /// Where each object is in `objects`: an object met twice (renamed, then
    /// translated) is one entry.
    #[serde(skip)]
    index: std::collections::HashMap<String, usize>,
}

/// The counts of a [`LossReport`] by [`Fidelity`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects translated exactly.
    pub exact: usize,
    /// Objects mapped to another type or name.
    pub mapped: usize,
    /// Objects translated with a loss.
    pub lossy: usize,
    /// Objects not translated.
    pub skipped: usize,
}

impl LossReport {
    /// An empty report of a translation from `source` to `target`.
    pub fn new(source: &str, target: &str) -> Self {
        LossReport {
            source_dialect: source.to_owned(),
            target_dialect: target.to_owned(),
            ..LossReport::default()
        }
    }

    fn count(&mut self, status: Fidelity, by: isize) {
        let n = match status {
            Fidelity::Exact => &mut self.summary.exact,
            Fidelity::Mapped => &mut self.summary.mapped,
            Fidelity::Lossy => &mut self.summary.lossy,
            Fidelity::Skipped => &mut self.summary.skipped,
        };
        *n = n.saturating_add_signed(by);
    }

    /// Records one object. An object recorded before (a table renamed, then
    /// translated) stays one entry: the worse status, the first `from` and `to`, both
    /// reasons.
    pub fn push(&mut self, loss: Loss) {
        if let Some(&at) = self.index.get(&loss.object) {
            let old = self.objects[at].status;
            let entry = &mut self.objects[at];
            entry.status = entry.status.max(loss.status);
            if entry.from.is_none() {
                entry.from = loss.from;
                entry.to = loss.to;
            }
            entry.reason = match (entry.reason.take(), loss.reason) {
                (Some(a), Some(b)) if a != b => Some(format!("{a}; {b}")),
                (a, b) => a.or(b),
            };
            let new = entry.status;
            self.count(old, -1);
            self.count(new, 1);
            return;
        }
        self.count(loss.status, 1);
        self.index.insert(loss.object.clone(), self.objects.len());
        self.objects.push(loss);
    }

    /// Records `object` as translated exactly.
    pub fn exact(&mut self, object: impl Into<String>) {
        self.push(Loss {
            object: object.into(),
            status: Fidelity::Exact,
            from: None,
            to: None,
            reason: None,
        });
    }

    /// Records `object` as mapped from `from` to `to`, with an optional note.
    pub fn mapped(
        &mut self,
        object: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
        reason: Option<String>,
    ) {
        self.push(Loss {
            object: object.into(),
            status: Fidelity::Mapped,
            from: Some(from.into()),
            to: Some(to.into()),
            reason,
        });
    }

    /// Records `object` as translated with a loss, `reason` saying what is lost.
    pub fn lossy(
        &mut self,
        object: impl Into<String>,
        from: Option<String>,
        to: Option<String>,
        reason: impl Into<String>,
    ) {
        self.push(Loss {
            object: object.into(),
            status: Fidelity::Lossy,
            from,
            to,
            reason: Some(reason.into()),
        });
    }

    /// Records `object` as not translated, for `reason`.
    pub fn skipped(&mut self, object: impl Into<String>, reason: impl Into<String>) {
        self.push(Loss {
            object: object.into(),
            status: Fidelity::Skipped,
            from: None,
            to: None,
            reason: Some(reason.into()),
        });
    }

    /// The objects that are lossy or skipped: what `--strict` refuses.
    pub fn losses(&self) -> impl Iterator<Item = &Loss> {
        self.objects
            .iter()
            .filter(|l| matches!(l.status, Fidelity::Lossy | Fidelity::Skipped))
    }

    /// The warnings a translation prints: each lossy or skipped object, then one line
    /// with the counts.
    pub fn warnings(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.losses().map(|l| l.to_string()).collect();
        let s = self.summary;
        lines.push(format!(
            "translated {} to {}: {} exact, {} mapped, {} lossy, {} skipped",
            self.source_dialect, self.target_dialect, s.exact, s.mapped, s.lossy, s.skipped
        ));
        lines
    }
}
