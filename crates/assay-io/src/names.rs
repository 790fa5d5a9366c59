//! Finding a dataset's images by the names other files give them: a file
//! name as in the dataset, or a longer path ending in it
//! (`test/cat/0001.jpg` finds `cat/0001.jpg`).

use std::collections::HashMap;

use assay_core::model::Dataset;

/// CSV header names of a column naming the image.
pub const FILE_COLUMNS: [&str; 4] = ["file", "file_name", "image", "path"];

/// A dataset's images by file name.
pub struct SampleNames {
    ids: HashMap<String, i64>,
}

impl SampleNames {
    /// The images of `data`.
    pub fn new(data: &Dataset) -> Self {
        let ids = data
            .samples
            .iter()
            .map(|s| (s.file_name.clone(), s.id))
            .collect();
        Self { ids }
    }

    /// The image `name` names: itself (a leading `./` and surrounding
    /// blanks ignored), else the longest tail after a `/`.
    pub fn find(&self, name: &str) -> Option<i64> {
        let name = name.trim().trim_start_matches("./");
        if let Some(&id) = self.ids.get(name) {
            return Some(id);
        }
        name.match_indices('/')
            .find_map(|(at, _)| self.ids.get(&name[at + 1..]).copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use assay_core::model::Sample;

    fn sample(id: i64, file: &str) -> Sample {
        Sample {
            id,
            file_name: file.into(),
            width: None,
            height: None,
            split: None,
            generation: None,
        }
    }

    #[test]
    fn a_name_finds_its_image_by_itself_or_a_longer_path() {
        let data = Dataset {
            samples: vec![sample(1, "cat/0001.jpg"), sample(2, "0001.jpg")],
            ..Dataset::default()
        };
        let names = SampleNames::new(&data);
        assert_eq!(names.find("cat/0001.jpg"), Some(1));
        assert_eq!(names.find("test/cat/0001.jpg"), Some(1));
        assert_eq!(names.find("./0001.jpg"), Some(2));
        assert_eq!(names.find("dog/0002.jpg"), None);
    }
}
