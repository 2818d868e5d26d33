//! Typed columns: a domain enum (a job's status, an environment's state, a user's role) is
//! stored as its AWS text and read back as the enum, so rows carry `Stored<JobStatus>`, never a
//! string the rest of the code compares by hand. A text the enum does not know is a store fault
//! (a read error naming the column type), not a silently wrong value.

use domain::JobStatus;
use domain::access::Role;
use domain::compute_environment::{ExecutorKind, State};
use domain::job_definition::DefinitionStatus;
use sea_orm::sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr};
use sea_orm::{ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value};
use std::fmt;
use std::ops::Deref;

/// A domain enum with one stored text per variant.
pub trait StoredText: Copy + Sized + 'static {
    const TYPE: &'static str;
    fn text(self) -> &'static str;
    fn from_text(text: &str) -> Option<Self>;
}

impl StoredText for JobStatus {
    const TYPE: &'static str = "JobStatus";
    fn text(self) -> &'static str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl StoredText for State {
    const TYPE: &'static str = "State";
    fn text(self) -> &'static str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        State::parse("state", text).ok()
    }
}

impl StoredText for ExecutorKind {
    const TYPE: &'static str = "ExecutorKind";
    fn text(self) -> &'static str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        [ExecutorKind::Docker, ExecutorKind::Simulated].into_iter().find(|kind| kind.as_str() == text)
    }
}

impl StoredText for DefinitionStatus {
    const TYPE: &'static str = "DefinitionStatus";
    fn text(self) -> &'static str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        DefinitionStatus::parse(text)
    }
}

impl StoredText for Role {
    const TYPE: &'static str = "Role";
    fn text(self) -> &'static str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        Role::parse(text)
    }
}

/// A column holding a `T` as its text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Stored<T>(pub T);

impl<T> Deref for Stored<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: PartialEq> PartialEq<T> for Stored<T> {
    fn eq(&self, other: &T) -> bool {
        self.0 == *other
    }
}

impl<T: StoredText> fmt::Debug for Stored<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.text())
    }
}

impl<T: StoredText> fmt::Display for Stored<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.text())
    }
}

impl<T: StoredText> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

impl<T: StoredText> From<Stored<T>> for Value {
    fn from(stored: Stored<T>) -> Value {
        Value::String(Some(stored.0.text().to_string()))
    }
}

fn unknown<T: StoredText>(text: &str) -> DbErr {
    DbErr::Type(format!("{:?} is not a {} this service knows", text, T::TYPE))
}

impl<T: StoredText> TryGetable for Stored<T> {
    fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, index)?;
        T::from_text(&text).map(Stored).ok_or_else(|| TryGetError::DbErr(unknown::<T>(&text)))
    }
}

impl<T: StoredText> ValueType for Stored<T> {
    fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(value)?;
        T::from_text(&text).map(Stored).ok_or(ValueTypeErr)
    }

    fn type_name() -> String {
        T::TYPE.to_string()
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T: StoredText> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T: StoredText> IntoActiveValue<Stored<T>> for Stored<T> {
    fn into_active_value(self) -> sea_orm::ActiveValue<Stored<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_text() {
        for status in JobStatus::ALL {
            assert_eq!(<Stored<JobStatus> as ValueType>::try_from(Value::from(Stored(status))).ok(), Some(Stored(status)));
        }
        for state in [State::Enabled, State::Disabled] {
            assert_eq!(State::from_text(state.text()), Some(state));
        }
        for kind in [ExecutorKind::Docker, ExecutorKind::Simulated] {
            assert_eq!(ExecutorKind::from_text(kind.text()), Some(kind));
        }
        for role in Role::ALL {
            assert_eq!(Role::from_text(role.text()), Some(role));
        }
        assert!(<Stored<JobStatus> as ValueType>::try_from(Value::from("running".to_string())).is_err(), "the text is AWS's, in capitals");
    }
}
