//! What other rooms add to a survey's life without the survey room knowing them: work done in
//! the publish transaction (a prize draw fixes its commitment) and quality hints about what
//! they hold for the survey (a coupon pool smaller than the invitations). `build` installs the
//! one implementation, which holds no state, so one process-wide slot serves every instance.

use std::sync::OnceLock;

use super::lint::Hint;
use super::model::Survey;
use crate::db::DbConn;
use crate::error::Result;

pub trait SurveyHooks: Send + Sync {
    /// Runs inside the transaction that publishes `survey`; an error refuses the publish.
    fn publishing(&self, conn: &mut DbConn, survey: &Survey) -> Result<()>;
    /// Hints to show beside the survey's own lint.
    fn hints(&self, conn: &mut DbConn, survey: &Survey) -> Result<Vec<Hint>>;
}

static INSTALLED: OnceLock<&'static dyn SurveyHooks> = OnceLock::new();

/// Installs the hooks; the first call wins (every caller installs the same ones).
pub fn install(hooks: &'static dyn SurveyHooks) {
    let _ = INSTALLED.set(hooks);
}

/// The installed hooks, or hooks that add nothing before any are installed.
pub fn installed() -> &'static dyn SurveyHooks {
    INSTALLED.get().copied().unwrap_or(&NoHooks)
}

struct NoHooks;

impl SurveyHooks for NoHooks {
    fn publishing(&self, _: &mut DbConn, _: &Survey) -> Result<()> {
        Ok(())
    }
    fn hints(&self, _: &mut DbConn, _: &Survey) -> Result<Vec<Hint>> {
        Ok(Vec::new())
    }
}
