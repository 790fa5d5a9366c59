//! `POST /api/export`: a selection of samples as a download: COCO
//! instances JSON, a zip of YOLO labels, or CSV.

use std::collections::HashSet;
use std::io::Write;
use std::sync::Arc;

use assay_store::Selection;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use crate::error::{ApiError, ApiResult};
use crate::explorer::table::DatasetTable;
use crate::state::AppState;

/// The request.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportRequest {
    format: String,
    dataset: String,
    sample_ids: Vec<i64>,
}

/// Answers `POST /api/export`.
pub async fn export(
    State(state): State<Arc<AppState>>,
    Json(req): Json<ExportRequest>,
) -> ApiResult<Response> {
    let (bytes, kind, name) = state
        .blocking(move |state| {
            let table = state.table(&req.dataset)?;
            let rows: Vec<usize> = req
                .sample_ids
                .iter()
                .map(|id| {
                    table.index_of.get(id).map(|&i| i as usize).ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "sample {id} is not in dataset {:?}",
                            req.dataset
                        ))
                    })
                })
                .collect::<ApiResult<_>>()?;
            match req.format.as_str() {
                "csv" => Ok((
                    csv(&table, &rows)?,
                    "text/csv",
                    format!("{}.csv", req.dataset),
                )),
                "coco" => Ok((
                    coco(state, &table, &rows)?,
                    "application/json",
                    format!("{}.json", req.dataset),
                )),
                "yolo" => Ok((
                    yolo(state, &table, &rows)?,
                    "application/zip",
                    format!("{}-yolo.zip", req.dataset),
                )),
                other => Err(ApiError::bad_request(format!(
                    "format must be coco, yolo or csv, not {other:?}"
                ))),
            }
        })
        .await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(['"', '\\', '\r', '\n'], "_")
    );
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn failed(what: &str) -> impl Fn(String) -> ApiError + '_ {
    move |e| ApiError::internal(format!("cannot write the {what} export: {e}"))
}

fn csv(t: &DatasetTable, rows: &[usize]) -> ApiResult<Vec<u8>> {
    let fail = |e: csv::Error| failed("CSV")(e.to_string());
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec![
        "id",
        "file_name",
        "split",
        "width",
        "height",
        "classes",
        "issues",
        "tags",
    ];
    head.extend(t.metrics.iter().map(|(n, _)| n.as_str()));
    w.write_record(&head).map_err(fail)?;
    let tags = t.tags.read().unwrap_or_else(|e| e.into_inner());
    for &i in rows {
        let mut record = vec![
            t.ids[i].to_string(),
            t.file_names[i].clone(),
            t.split_of(i).unwrap_or("").to_string(),
            t.size[i].0.to_string(),
            t.size[i].1.to_string(),
            t.class_codes.names_of(t.classes.of(i)).join(";"),
            t.issue_codes.names_of(t.issues.of(i)).join(";"),
            tags.of(i as u32).join(";"),
        ];
        record.extend(t.metrics.iter().map(|(_, c)| {
            if c[i].is_nan() {
                String::new()
            } else {
                c[i].to_string()
            }
        }));
        w.write_record(&record).map_err(fail)?;
    }
    w.into_inner().map_err(|e| failed("CSV")(e.to_string()))
}

/// The store's selection of the table's `rows`, by file name.
fn selection(t: &DatasetTable, rows: &[usize]) -> Selection {
    let names: HashSet<String> = rows.iter().map(|&i| t.file_names[i].clone()).collect();
    Selection {
        samples: Some(names),
        ..Default::default()
    }
}

fn selected(
    state: &AppState,
    t: &DatasetTable,
    rows: &[usize],
) -> ApiResult<assay_core::model::Dataset> {
    let selection = selection(t, rows);
    Ok(state.store(|s| s.load_dataset(&t.name, &selection))?)
}

fn coco(state: &AppState, t: &DatasetTable, rows: &[usize]) -> ApiResult<Vec<u8>> {
    let selection = selection(t, rows);
    let export = state
        .store(|s| assay_app::export::coco_export(s, &t.name, &selection))
        .map_err(|e| failed("COCO")(e.to_string()))?;
    let dir = tempfile::tempdir().map_err(|e| failed("COCO")(e.to_string()))?;
    let path = dir.path().join("instances.json");
    assay_io::coco::write_coco(&export.data, &path).map_err(|e| failed("COCO")(e.to_string()))?;
    std::fs::read(&path).map_err(|e| failed("COCO")(e.to_string()))
}

fn yolo(state: &AppState, t: &DatasetTable, rows: &[usize]) -> ApiResult<Vec<u8>> {
    let fail = |e: String| failed("YOLO")(e);
    let data = selected(state, t, rows)?;
    let dir = tempfile::tempdir().map_err(|e| fail(e.to_string()))?;
    assay_io::yolo::write_yolo(&data, dir.path()).map_err(|e| fail(e.to_string()))?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for entry in walk(dir.path()).map_err(|e| fail(e.to_string()))? {
        let name = entry
            .strip_prefix(dir.path())
            .unwrap_or(&entry)
            .to_string_lossy()
            .replace('\\', "/");
        zip.start_file(name, options)
            .map_err(|e| fail(e.to_string()))?;
        let bytes = std::fs::read(&entry).map_err(|e| fail(e.to_string()))?;
        zip.write_all(&bytes).map_err(|e| fail(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| fail(e.to_string()))?;
    Ok(cursor.into_inner())
}

/// Files under `dir`, sorted.
fn walk(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}
