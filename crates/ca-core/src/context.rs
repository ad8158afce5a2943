//! When a command happens and where its serial numbers come from.
//!
//! ca-core does not read the clock: the caller reads it once and passes an
//! [`IssueContext`] down, so one command judges validity and renewal and
//! issues at the same instant, and tests can fix both the time and the
//! serials.

use std::fmt;

use time::OffsetDateTime;

use crate::serial::Serial;

/// Where new serial numbers come from.
pub trait SerialSource: Sync {
    fn next_serial(&self) -> Serial;
}

/// Random 127-bit serials ([`Serial::random`]): what every command uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSerials;

impl SerialSource for RandomSerials {
    fn next_serial(&self) -> Serial {
        Serial::random()
    }
}

/// Any closure is a source, e.g. a counter in a test.
impl<F: Fn() -> Serial + Sync> SerialSource for F {
    fn next_serial(&self) -> Serial {
        self()
    }
}

/// The time of a command and its serial source.
#[derive(Clone, Copy)]
pub struct IssueContext<'a> {
    /// The instant the command runs at: validity windows start here (unless
    /// asked otherwise), renewal is judged here, the index records it.
    pub now: OffsetDateTime,
    pub serials: &'a dyn SerialSource,
}

impl IssueContext<'static> {
    /// At `now`, with random serials.
    pub fn at(now: OffsetDateTime) -> Self {
        IssueContext {
            now,
            serials: &RandomSerials,
        }
    }
}

impl<'a> IssueContext<'a> {
    /// At `now`, with serials from `serials`.
    pub fn with_serials(now: OffsetDateTime, serials: &'a dyn SerialSource) -> Self {
        IssueContext { now, serials }
    }

    pub(crate) fn serial(&self) -> Serial {
        self.serials.next_serial()
    }
}

impl fmt::Debug for IssueContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssueContext")
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}
