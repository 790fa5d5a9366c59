//! A dataset's samples held in memory as columns, so the explorer filters
//! and sorts a million samples in milliseconds instead of scanning SQLite.

use std::collections::{HashMap, HashSet};
use std::sync::RwLock;

use assay_store::{SampleRow, Store};

/// Lists of small codes per sample (classes, issue types, models), stored
/// flat: sample `i` holds `values[offsets[i]..offsets[i + 1]]`.
#[derive(Debug, Default)]
pub struct Lists {
    offsets: Vec<u32>,
    values: Vec<u16>,
}

impl Lists {
    /// Builds lists for `n` samples from (sample index, code) pairs.
    fn build(n: usize, mut pairs: Vec<(u32, u16)>) -> Self {
        pairs.sort_unstable();
        pairs.dedup();
        let mut offsets = vec![0u32; n + 1];
        for &(i, _) in &pairs {
            offsets[i as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        Lists {
            offsets,
            values: pairs.into_iter().map(|(_, v)| v).collect(),
        }
    }

    /// The codes of sample `i`.
    pub fn of(&self, i: usize) -> &[u16] {
        &self.values[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

/// Names and the codes standing for them.
#[derive(Debug, Default)]
pub struct Codes {
    /// Names, by code.
    pub names: Vec<String>,
    index: HashMap<String, u16>,
}

impl Codes {
    fn code(&mut self, name: &str) -> u16 {
        if let Some(&c) = self.index.get(name) {
            return c;
        }
        let c = self.names.len() as u16;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), c);
        c
    }

    /// The code of `name`, when known.
    pub fn get(&self, name: &str) -> Option<u16> {
        self.index.get(name).copied()
    }

    /// Names of `codes`.
    pub fn names_of(&self, codes: &[u16]) -> Vec<String> {
        codes
            .iter()
            .map(|&c| self.names[c as usize].clone())
            .collect()
    }
}

/// The tags of a dataset's samples; changed by the tag endpoint.
#[derive(Debug, Default)]
pub struct Tags {
    /// Sample indexes by tag.
    pub by_tag: HashMap<String, HashSet<u32>>,
}

impl Tags {
    /// Tags of sample `i`, sorted.
    pub fn of(&self, i: u32) -> Vec<String> {
        let mut tags: Vec<String> = self
            .by_tag
            .iter()
            .filter(|(_, set)| set.contains(&i))
            .map(|(t, _)| t.clone())
            .collect();
        tags.sort();
        tags
    }
}

/// One dataset's samples as columns; index `i` is the `i`-th sample by id.
#[derive(Debug)]
pub struct DatasetTable {
    /// Dataset name.
    pub name: String,
    /// Store row ids, ascending.
    pub ids: Vec<i64>,
    /// Row id -> index.
    pub index_of: HashMap<i64, u32>,
    /// The dataset's own image id -> index.
    pub index_of_source: HashMap<i64, u32>,
    /// File names.
    pub file_names: Vec<String>,
    /// Rank of each file name in sorted order.
    pub name_rank: Vec<u32>,
    /// Lower-case file name and prompt, for text search.
    pub text: Vec<String>,
    /// Split code per sample (`u16::MAX`: none).
    pub split: Vec<u16>,
    /// Split names.
    pub splits: Codes,
    /// Width and height (0 when unknown).
    pub size: Vec<(u32, u32)>,
    /// Ground-truth classes per sample.
    pub classes: Lists,
    /// Class names (all of the dataset's classes, in source order).
    pub class_codes: Codes,
    /// Issue types per sample.
    pub issues: Lists,
    /// Issue type names.
    pub issue_codes: Codes,
    /// Models with predictions per sample.
    pub models: Lists,
    /// Model names.
    pub model_codes: Codes,
    /// Sample metrics by name (NaN where not measured), names sorted.
    pub metrics: Vec<(String, Vec<f64>)>,
    /// Tags.
    pub tags: RwLock<Tags>,
}

impl DatasetTable {
    /// Reads the columns of `dataset` from the store.
    pub fn load(store: &Store, dataset: &str) -> assay_store::Result<Self> {
        let rows = store.sample_rows(dataset)?;
        let n = rows.len();
        let index_of: HashMap<i64, u32> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i as u32))
            .collect();
        let mut table = Self::from_rows(dataset, &rows, index_of);
        let mut class_codes = Codes::default();
        let mut category_code = HashMap::new();
        for (row, name) in store.class_names(dataset)? {
            category_code.insert(row, class_codes.code(&name));
        }
        let pairs = store
            .sample_classes(dataset)?
            .into_iter()
            .filter_map(|(s, c)| Some((*table.index_of.get(&s)?, *category_code.get(&c)?)))
            .collect();
        table.classes = Lists::build(n, pairs);
        table.class_codes = class_codes;
        (table.issues, table.issue_codes) = coded(&table, store.sample_issue_kinds(dataset)?);
        (table.models, table.model_codes) = coded(&table, store.sample_models(dataset)?);
        table.metrics = metric_columns(&table, store.sample_metric_values(dataset)?);
        let mut tags = Tags::default();
        for (s, tag) in store.sample_tags(dataset)? {
            if let Some(&i) = table.index_of.get(&s) {
                tags.by_tag.entry(tag).or_default().insert(i);
            }
        }
        table.tags = RwLock::new(tags);
        Ok(table)
    }

    fn from_rows(dataset: &str, rows: &[SampleRow], index_of: HashMap<i64, u32>) -> Self {
        let mut splits = Codes::default();
        let split = rows
            .iter()
            .map(|r| r.split.as_deref().map_or(u16::MAX, |s| splits.code(s)))
            .collect();
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_by(|&a, &b| rows[a as usize].file_name.cmp(&rows[b as usize].file_name));
        let mut name_rank = vec![0u32; rows.len()];
        for (rank, &i) in order.iter().enumerate() {
            name_rank[i as usize] = rank as u32;
        }
        DatasetTable {
            name: dataset.to_string(),
            ids: rows.iter().map(|r| r.id).collect(),
            index_of_source: rows
                .iter()
                .enumerate()
                .map(|(i, r)| (r.source_id, i as u32))
                .collect(),
            index_of,
            file_names: rows.iter().map(|r| r.file_name.clone()).collect(),
            name_rank,
            text: rows.iter().map(search_text).collect(),
            split,
            splits,
            size: rows
                .iter()
                .map(|r| (r.width.unwrap_or(0), r.height.unwrap_or(0)))
                .collect(),
            classes: Lists::default(),
            class_codes: Codes::default(),
            issues: Lists::default(),
            issue_codes: Codes::default(),
            models: Lists::default(),
            model_codes: Codes::default(),
            metrics: Vec::new(),
            tags: RwLock::new(Tags::default()),
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the dataset has no samples.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The column of metric `name`.
    pub fn metric(&self, name: &str) -> Option<&[f64]> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Split name of sample `i`.
    pub fn split_of(&self, i: usize) -> Option<&str> {
        let code = self.split[i];
        (code != u16::MAX).then(|| self.splits.names[code as usize].as_str())
    }
}

fn search_text(r: &SampleRow) -> String {
    match &r.prompt {
        Some(p) => format!("{}\n{}", r.file_name, p).to_lowercase(),
        None => r.file_name.to_lowercase(),
    }
}

fn coded(table: &DatasetTable, pairs: Vec<(i64, String)>) -> (Lists, Codes) {
    let mut codes = Codes::default();
    let mut names: Vec<&str> = pairs.iter().map(|(_, k)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        codes.code(name);
    }
    let coded = pairs
        .iter()
        .filter_map(|(s, k)| Some((*table.index_of.get(s)?, codes.get(k)?)))
        .collect();
    (Lists::build(table.len(), coded), codes)
}

fn metric_columns(
    table: &DatasetTable,
    values: Vec<(i64, String, f64)>,
) -> Vec<(String, Vec<f64>)> {
    let mut columns: HashMap<String, Vec<f64>> = HashMap::new();
    for (s, name, v) in values {
        let Some(&i) = table.index_of.get(&s) else {
            continue;
        };
        let column = columns
            .entry(name)
            .or_insert_with(|| vec![f64::NAN; table.len()]);
        column[i as usize] = v;
    }
    let mut out: Vec<(String, Vec<f64>)> = columns.into_iter().collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
