//! Embedding sets: vectors read back bit for bit, a set never mixes the
//! vectors of two weights, and computing one is resumable.

use std::collections::{BTreeMap, HashMap};

use assay_core::model::{Dataset, Sample};
use assay_store::{DatasetImport, EmbeddingLevel, MapPoint, NewEmbeddingSet, Store, IMAGE_LEVEL};

fn project() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::init(dir.path()).unwrap();
    let samples = (1..=3)
        .map(|id| Sample {
            id,
            file_name: format!("{id}.jpg"),
            width: Some(4),
            height: Some(4),
            split: None,
            generation: None,
        })
        .collect();
    let data = Dataset {
        samples,
        categories: vec![],
        annotations: vec![],
    };
    store
        .import_dataset(&DatasetImport {
            dataset: "d",
            format: "test",
            source: "memory",
            data: &data,
            files: &HashMap::new(),
            keep_ids: true,
            split: None,
            warnings: &BTreeMap::new(),
        })
        .unwrap();
    (dir, store)
}

fn new_set<'a>(hash: &'a str, dim: usize) -> NewEmbeddingSet<'a> {
    NewEmbeddingSet {
        dataset: "d",
        extractor: "builtin",
        level: EmbeddingLevel::Image,
        weights_hash: hash,
        source: "builtin",
        dim,
        comparable: false,
    }
}

#[test]
fn vectors_read_back_and_resume() {
    let (_dir, mut store) = project();
    let (set, replaced) = store.open_embedding_set(&new_set("h1", 3)).unwrap();
    assert!(!replaced);
    let v1 = vec![0.1f32, -2.5, f32::MIN_POSITIVE];
    store
        .add_embeddings(&set, &[((1, IMAGE_LEVEL), v1.clone())])
        .unwrap();
    let (again, replaced) = store.open_embedding_set(&new_set("h1", 3)).unwrap();
    assert!(!replaced);
    assert_eq!(again.count, 1);
    assert_eq!(
        store
            .embedded_keys(&again)
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(1, IMAGE_LEVEL)]
    );
    store
        .add_embeddings(&again, &[((3, IMAGE_LEVEL), vec![1.0, 2.0, 3.0])])
        .unwrap();
    let all = store.load_embeddings(&again).unwrap();
    assert_eq!(
        all,
        vec![
            ((1, IMAGE_LEVEL), v1),
            ((3, IMAGE_LEVEL), vec![1.0, 2.0, 3.0])
        ]
    );
}

#[test]
fn other_weights_replace_the_set_and_bad_input_is_refused() {
    let (_dir, mut store) = project();
    let (set, _) = store.open_embedding_set(&new_set("h1", 2)).unwrap();
    store
        .add_embeddings(&set, &[((1, IMAGE_LEVEL), vec![1.0, 2.0])])
        .unwrap();
    assert!(store
        .add_embeddings(&set, &[((2, IMAGE_LEVEL), vec![1.0])])
        .is_err());
    assert!(store
        .add_embeddings(&set, &[((99, IMAGE_LEVEL), vec![1.0, 2.0])])
        .is_err());
    let (set, replaced) = store.open_embedding_set(&new_set("h2", 2)).unwrap();
    assert!(replaced);
    assert_eq!(set.count, 0);
    assert_eq!(store.embedding_sets(None).unwrap().len(), 1);
}

#[test]
fn maps_are_replaced_whole() {
    let (_dir, mut store) = project();
    let (set, _) = store.open_embedding_set(&new_set("h", 2)).unwrap();
    let point = |s, x| MapPoint {
        key: (s, IMAGE_LEVEL),
        x,
        y: -x,
        cluster: Some(s % 2),
    };
    store
        .replace_embedding_map(&set, "pca", &[point(1, 0.5), point(2, 1.5)])
        .unwrap();
    store
        .replace_embedding_map(&set, "pca", &[point(3, 2.5)])
        .unwrap();
    assert_eq!(
        store.embedding_map(&set, "pca").unwrap(),
        vec![point(3, 2.5)]
    );
}
