//! Building list queries: validated paging, a sort order from an allow-list, and search
//! text escaped for `LIKE`. The API parses the parameters; services build the queries.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QuerySelect, Select};

use crate::error::{Error, FieldErrors};

/// One page of an ordered query, and how many rows the whole query has; the database
/// does the paging, so a list never loads more than a page.
pub async fn fetch_page<E>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    paging: Paging,
) -> Result<(Vec<E::Model>, u64), DbErr>
where
    E: EntityTrait,
    E::Model: Sync,
{
    let total = query.clone().count(db).await?;
    let rows = query
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Largest page size.
pub const MAX_PER_PAGE: u64 = 500;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: u64 = 50;

/// Validated paging.
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    /// Page number, from 1.
    pub page: u64,
    /// Items per page.
    pub per_page: u64,
}

impl Paging {
    /// Validates page parameters, naming the field at fault.
    pub fn from_params(page: Option<u64>, per_page: Option<u64>) -> Result<Self, Error> {
        let page = page.unwrap_or(1);
        let per_page = per_page.unwrap_or(DEFAULT_PER_PAGE);
        let mut errors = FieldErrors::new();
        if page == 0 || page > 1_000_000 {
            errors.insert("page".into(), "must be between 1 and 1000000".into());
        }
        if per_page == 0 || per_page > MAX_PER_PAGE {
            errors.insert(
                "per_page".into(),
                format!("must be between 1 and {MAX_PER_PAGE}"),
            );
        }
        if errors.is_empty() {
            Ok(Self { page, per_page })
        } else {
            Err(Error::Validation(errors))
        }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.per_page
    }
}

/// A sort order: a field from an allow-list, ascending or (with a leading `-`) descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort<F> {
    /// Field to sort by.
    pub field: F,
    /// Descending when true.
    pub descending: bool,
}

/// Parses `sort` against `allowed` (name -> field); `default` when absent.
pub fn parse_sort<F: Copy>(
    raw: Option<&str>,
    allowed: &[(&str, F)],
    default: Sort<F>,
) -> Result<Sort<F>, Error> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(default);
    };
    let (descending, name) = match raw.strip_prefix('-') {
        Some(name) => (true, name),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    allowed
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, field)| Sort {
            field: *field,
            descending,
        })
        .ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|(n, _)| *n).collect();
            Error::field(
                "sort",
                format!(
                    "must be one of {} (prefix - for descending)",
                    names.join(", ")
                ),
            )
        })
}

/// Escapes `%`, `_` and `\` so user search text matches literally in `LIKE`.
pub fn like_pattern(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    out.push('%');
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum F {
        Name,
        Created,
    }
    const ALLOWED: &[(&str, F)] = &[("name", F::Name), ("created_at", F::Created)];
    const DEFAULT: Sort<F> = Sort {
        field: F::Created,
        descending: true,
    };

    #[test]
    fn sort_parses_direction_and_rejects_unknown_fields() {
        assert_eq!(parse_sort(None, ALLOWED, DEFAULT).unwrap(), DEFAULT);
        assert_eq!(
            parse_sort(Some("name"), ALLOWED, DEFAULT).unwrap(),
            Sort {
                field: F::Name,
                descending: false
            }
        );
        assert_eq!(
            parse_sort(Some("-name"), ALLOWED, DEFAULT).unwrap(),
            Sort {
                field: F::Name,
                descending: true
            }
        );
        assert_eq!(
            parse_sort(Some("+created_at"), ALLOWED, DEFAULT).unwrap(),
            Sort {
                field: F::Created,
                descending: false
            }
        );
        let err = parse_sort(Some("password_hash"), ALLOWED, DEFAULT).unwrap_err();
        assert!(matches!(err, Error::Validation(f) if f.contains_key("sort")));
    }

    #[test]
    fn paging_bounds() {
        assert_eq!(Paging::from_params(None, None).unwrap().per_page, 50);
        assert_eq!(Paging::from_params(Some(3), Some(20)).unwrap().offset(), 40);
        assert!(Paging::from_params(Some(0), None).is_err());
        assert!(Paging::from_params(None, Some(501)).is_err());
        assert!(Paging::from_params(None, Some(0)).is_err());
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("a_b%c\\"), "%a\\_b\\%c\\\\%");
    }
}
