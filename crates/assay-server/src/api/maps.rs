//! The embeddings map: `GET /api/maps/<set>/points` (binary coordinates)
//! and `GET /api/maps/<set>/colors?by=` (a value per point).

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::explorer::table::{Codes, DatasetTable, Lists};
use crate::state::{AppState, MapPoints};

/// The 2-D projection the UI shows (`assay embed` stores a PCA map).
pub const METHOD: &str = "pca";

/// Answers `GET /api/maps/<set>/points`: `u32 n`, then `n` f32 x, `n` f32
/// y and `n` u32 sample ids, little-endian.
pub async fn points(
    State(state): State<Arc<AppState>>,
    Path(set): Path<i64>,
) -> ApiResult<Response> {
    let body = state
        .blocking(move |state| {
            let map = state.map(set)?;
            let table = state.table(&map.dataset)?;
            Ok(encode(&map, &table))
        })
        .await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], body).into_response())
}

fn encode(map: &MapPoints, table: &DatasetTable) -> Vec<u8> {
    let n = map.index.len();
    let mut out = Vec::with_capacity(4 + 12 * n);
    out.extend((n as u32).to_le_bytes());
    out.extend(map.x.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(map.y.iter().flat_map(|v| v.to_le_bytes()));
    out.extend(
        map.index
            .iter()
            .flat_map(|&i| (table.ids[i as usize] as u32).to_le_bytes()),
    );
    out
}

/// Options of the colours.
#[derive(Deserialize)]
pub struct ColorArgs {
    by: String,
}

/// A value per point: legend indexes or metric values.
#[derive(Serialize)]
pub struct Colors {
    kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    legend: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    min: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max: Option<f64>,
    values: Vec<Option<f64>>,
}

/// Answers `GET /api/maps/<set>/colors?by=class|split|issue|outcome:<run>|metric:<name>`.
pub async fn colors(
    State(state): State<Arc<AppState>>,
    Path(set): Path<i64>,
    Query(args): Query<ColorArgs>,
) -> ApiResult<Json<Colors>> {
    state
        .blocking(move |state| {
            let map = state.map(set)?;
            let table = state.table(&map.dataset)?;
            let at = |f: &dyn Fn(usize) -> Option<f64>| per_point(&map.index, f);
            let by = args.by.as_str();
            let colors = match by {
                "class" => first_code(&table.classes, &table.class_codes, &map.index),
                "issue" => first_code(&table.issues, &table.issue_codes, &map.index),
                "split" => categorical(
                    table.splits.names.clone(),
                    at(&|i| (table.split[i] != u16::MAX).then_some(table.split[i] as f64)),
                ),
                _ if by.starts_with("outcome:") => {
                    let run: i64 = by["outcome:".len()..]
                        .parse()
                        .map_err(|_| ApiError::bad_request(format!("bad run id in {by:?}")))?;
                    let counts = state.run_counts(run)?;
                    let legend = ["all correct", "has false positives", "has misses", "both"];
                    let values = at(&|i| {
                        let [_, fp, fn_] = counts.counts[i];
                        Some(((fp > 0) as u8 + 2 * (fn_ > 0) as u8) as f64)
                    });
                    categorical(legend.map(String::from).to_vec(), values)
                }
                _ if by.starts_with("metric:") => {
                    let name = &by["metric:".len()..];
                    let column = table.metric(name).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "dataset {:?} has no metric {name:?}",
                            table.name
                        ))
                    })?;
                    numeric(at(&|i| column[i].is_finite().then_some(column[i])))
                }
                other => {
                    return Err(ApiError::bad_request(format!(
                    "by must be class, split, issue, outcome:<run> or metric:<name>, not {other:?}"
                )))
                }
            };
            Ok(Json(colors))
        })
        .await
}

/// One value per map point from the sample behind it.
fn per_point(index: &[u32], f: &dyn Fn(usize) -> Option<f64>) -> Vec<Option<f64>> {
    index.iter().map(|&i| f(i as usize)).collect()
}

/// The first code of each point's sample (its first class or issue type).
fn first_code(lists: &Lists, codes: &Codes, index: &[u32]) -> Colors {
    let values = per_point(index, &|i| lists.of(i).first().map(|&c| c as f64));
    categorical(codes.names.clone(), values)
}

fn categorical(legend: Vec<String>, values: Vec<Option<f64>>) -> Colors {
    let values = values
        .into_iter()
        .map(|v| Some(v.unwrap_or(-1.0)))
        .collect();
    Colors {
        kind: "categorical",
        legend,
        min: None,
        max: None,
        values,
    }
}

fn numeric(values: Vec<Option<f64>>) -> Colors {
    let finite = values.iter().flatten().copied();
    let min = finite.clone().reduce(f64::min);
    let max = finite.reduce(f64::max);
    Colors {
        kind: "numeric",
        legend: Vec::new(),
        min,
        max,
        values,
    }
}
