//! Feeds the real `assay` binary many kinds of broken input files and checks
//! that each one fails with a clear error (naming the file, the place in it
//! and what was wrong) and leaves the project store exactly as it was.
//!
//! Setup imports a small valid COCO dataset `base` with predictions of model
//! `m`, and takes a snapshot of the store: `assay info --json`, the COCO
//! export of the ground truth and of the predictions, and the samples table.
//! Every broken import targets `base` and every broken prediction file model
//! `m`, so anything a failed command wrote would show in the snapshot.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

/// Runs `assay --project <project> <args>`.
fn assay(project: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_assay"))
        .arg("--project")
        .arg(project)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("cannot start the assay binary")
}

/// Runs a command that must succeed and returns its stdout.
fn assay_ok(project: &Path, args: &[&str]) -> String {
    let out = assay(project, args);
    assert!(
        out.status.success(),
        "assay {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// The arguments of `import coco --annotations <file> --dataset <dataset>`.
fn import_coco<'a>(file: &'a Path, dataset: &'a str) -> [&'a str; 6] {
    let file = file.to_str().unwrap();
    [
        "import",
        "coco",
        "--annotations",
        file,
        "--dataset",
        dataset,
    ]
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------
// The valid inputs.

/// Three images with sizes, two categories, boxes and one polygon.
fn base_coco() -> Value {
    json!({
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 100, "height": 80},
            {"id": 2, "file_name": "b.jpg", "width": 64, "height": 48},
            {"id": 3, "file_name": "c.jpg", "width": 50, "height": 50}
        ],
        "categories": [
            {"id": 1, "name": "cat", "supercategory": "animal"},
            {"id": 2, "name": "dog", "supercategory": "animal"}
        ],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1,
             "bbox": [10, 10, 20, 20], "area": 400, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 2,
             "bbox": [30, 20, 40, 30], "area": 1200, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 2,
             "segmentation": [[5, 5, 25, 5, 25, 20, 5, 20]], "area": 300, "iscrowd": 0},
            {"id": 4, "image_id": 3, "category_id": 1,
             "bbox": [0, 0, 10, 12], "area": 120, "iscrowd": 0}
        ]
    })
}

fn base_predictions() -> Value {
    json!([
        {"image_id": 1, "category_id": 1, "bbox": [11, 9, 19, 21], "score": 0.9},
        {"image_id": 1, "category_id": 2, "bbox": [31, 22, 38, 27], "score": 0.7},
        {"image_id": 2, "category_id": 2, "bbox": [5, 5, 20, 15], "score": 0.4}
    ])
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

/// A real PNG file of the given size.
fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::new(width, height)
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .unwrap();
    bytes
}

// ---------------------------------------------------------------------------
// Snapshots of the store.

/// The commands whose output, besides `info --json`, makes up a snapshot,
/// and the file each writes.
const EXPORTS: [(&str, &str); 3] = [
    ("export coco --dataset base", "gt.json"),
    ("export coco --dataset base --model m", "predictions.json"),
    ("export table --table samples --dataset base", "samples.csv"),
];

/// What the store holds, as the commands show it.
#[derive(PartialEq)]
struct Snapshot {
    parts: Vec<(&'static str, String)>,
}

impl Snapshot {
    /// Runs the commands, writing their files under `scratch`.
    fn take(project: &Path, scratch: &Path) -> Snapshot {
        std::fs::create_dir_all(scratch).unwrap();
        let mut parts = vec![("info --json", assay_ok(project, &["info", "--json"]))];
        for (command, file) in EXPORTS {
            let out = scratch.join(file);
            let mut args: Vec<&str> = command.split(' ').collect();
            args.extend(["--out", out.to_str().unwrap()]);
            assay_ok(project, &args);
            parts.push((command, text(&out)));
        }
        Snapshot { parts }
    }

    /// Names the parts that differ from `other`.
    fn differences(&self, other: &Snapshot) -> Vec<&'static str> {
        self.parts
            .iter()
            .zip(&other.parts)
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, _)| a.0)
            .collect()
    }
}

// ---------------------------------------------------------------------------
// Cases.

/// One broken input: files to write into a fresh case folder, the command
/// line and what stderr must contain.
struct Case {
    name: &'static str,
    /// Arguments split at spaces; `@x` is the path `x` in the case folder.
    command: String,
    files: Vec<(String, Vec<u8>)>,
    expect: Vec<String>,
}

impl Case {
    fn new(name: &'static str, command: impl Into<String>) -> Case {
        Case {
            name,
            command: command.into(),
            files: Vec::new(),
            expect: Vec::new(),
        }
    }

    fn file(mut self, rel: &str, bytes: impl Into<Vec<u8>>) -> Case {
        self.files.push((rel.to_string(), bytes.into()));
        self
    }

    fn expect(mut self, parts: &[&str]) -> Case {
        self.expect.extend(parts.iter().map(|p| p.to_string()));
        self
    }
}

/// `import coco` of `<name>.json` holding `text`; the error must name the file.
fn coco_text(name: &'static str, text: &str, expect: &[&str]) -> Case {
    let file = format!("{name}.json");
    Case::new(
        name,
        format!("import coco --annotations @{file} --dataset base"),
    )
    .file(&file, text)
    .expect(&[&file])
    .expect(expect)
}

/// `import coco` of the base file changed by `edit`.
fn coco_edit(name: &'static str, edit: impl FnOnce(&mut Value), expect: &[&str]) -> Case {
    let mut v = base_coco();
    edit(&mut v);
    coco_text(name, &pretty(&v), expect)
}

/// Removes `key` from the object `v`.
fn remove(v: &mut Value, key: &str) {
    v.as_object_mut().unwrap().remove(key);
}

/// `predictions add --coco` of `<name>.json` holding `text`.
fn preds_text(name: &'static str, text: &str, expect: &[&str]) -> Case {
    let file = format!("{name}.json");
    let command = format!("predictions add --model m --coco @{file} --dataset base");
    Case::new(name, command)
        .file(&file, text)
        .expect(&[&file])
        .expect(expect)
}

/// `predictions add --coco` of the base predictions changed by `edit`.
fn preds_edit(name: &'static str, edit: impl FnOnce(&mut Value), expect: &[&str]) -> Case {
    let mut v = base_predictions();
    edit(&mut v);
    preds_text(name, &pretty(&v), expect)
}

const CLASSES_YAML: &str = "names:\n  - cat\n  - dog\n";

/// `import yolo` of one 64x48 image `img/<name>.png` with label file
/// `lbl/<name>.txt` and class names `<name>.yaml`. The error must name the
/// `blame`d file.
fn yolo(name: &'static str, label: &str, classes: &str, blame: &str, expect: &[&str]) -> Case {
    let command =
        format!("import yolo --images @img --labels @lbl --classes @{name}.yaml --dataset base");
    Case::new(name, command)
        .file(&format!("img/{name}.png"), png(64, 48))
        .file(&format!("lbl/{name}.txt"), label)
        .file(&format!("{name}.yaml"), classes)
        .expect(&[blame])
        .expect(expect)
}

/// `import yolo` whose label file is broken.
fn yolo_label(name: &'static str, label: &str, expect: &[&str]) -> Case {
    yolo(name, label, CLASSES_YAML, &format!("{name}.txt"), expect)
}

/// `import yolo` whose classes YAML is broken.
fn yolo_classes(name: &'static str, classes: &str, expect: &[&str]) -> Case {
    let label = "0 0.5 0.5 0.2 0.2\n";
    yolo(name, label, classes, &format!("{name}.yaml"), expect)
}

/// `predictions add --yolo` of a folder holding `preds/<file>` with `text`.
fn yolo_preds(name: &'static str, file: &str, text: &str, expect: &[&str]) -> Case {
    Case::new(
        name,
        "predictions add --model m --yolo @preds --dataset base",
    )
    .file(&format!("preds/{file}"), text)
    .expect(&[file])
    .expect(expect)
}

/// `import voc` of a folder holding `<name>.xml`.
fn voc(name: &'static str, xml: &str, expect: &[&str]) -> Case {
    let file = format!("{name}.xml");
    Case::new(name, "import voc --annotations @voc --dataset base")
        .file(&format!("voc/{file}"), xml)
        .expect(&[&file])
        .expect(expect)
}

/// A VOC file for a 100x80 `a.jpg` with one object: `<object>` on line 4,
/// `inner` (after its `<name>`) on line 6.
fn voc_xml(inner: &str) -> String {
    format!(
        "<annotation>\n  <filename>a.jpg</filename>\n\
         \x20 <size><width>100</width><height>80</height><depth>3</depth></size>\n\
         \x20 <object>\n    <name>cat</name>\n    {inner}\n  </object>\n\
         </annotation>\n"
    )
}

/// A VOC `<bndbox>` with these xmin, ymin, xmax, ymax.
fn bndbox([x1, y1, x2, y2]: [&str; 4]) -> String {
    format!("<bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin><xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox>")
}

/// `import generated` of the manifest `file` holding `text`.
fn manifest(name: &'static str, file: &str, text: &str, expect: &[&str]) -> Case {
    Case::new(
        name,
        format!("import generated --manifest @{file} --dataset base"),
    )
    .file(file, text)
    .expect(&[file])
    .expect(expect)
}

fn broken_cases() -> Vec<Case> {
    let base_text = pretty(&base_coco());
    let truncated = &base_text[..base_text.len() / 2];
    vec![
        // COCO ground truth: the file as a whole.
        coco_text("coco_empty", "", &["the file is empty", "expected JSON"]),
        coco_text("coco_blank", "  \n\n", &["the file is empty"]),
        coco_text(
            "coco_syntax_error",
            "{\"images\": [{\"id\": 1 \"file_name\": \"a.jpg\"}]}",
            &[
                "$.images[0]: malformed JSON",
                "expected `,` or `}`",
                "line 1 column 22",
            ],
        ),
        coco_text(
            "coco_truncated",
            truncated,
            &[
                "$.annotations[",
                "truncated JSON: EOF while parsing",
                "line ",
            ],
        ),
        coco_text(
            "coco_trailing_text",
            &format!("{base_text}\n}}"),
            &["$: unexpected text after the JSON value"],
        ),
        coco_text(
            "coco_top_level_list",
            "[1, 2, 3]",
            &["$: expected a COCO instances object", "found a list"],
        ),
        // A list of three lists used to read as an empty dataset.
        coco_text(
            "coco_top_level_list_of_lists",
            "[[], [], []]",
            &["$: expected a COCO instances object", "found a list"],
        ),
        coco_text(
            "coco_top_level_string",
            "\"images\"",
            &[
                "$: unexpected content: invalid type: string",
                "expected a COCO instances object",
            ],
        ),
        Case::new(
            "coco_missing_file",
            "import coco --annotations @missing.json --dataset base",
        )
        .expect(&["missing.json", "file not found"]),
        // COCO ground truth: missing fields and wrong types.
        coco_edit(
            "coco_no_image_id",
            |v| remove(&mut v["images"][0], "id"),
            &["$.images[0]: ", "missing field `id`"],
        ),
        coco_edit(
            "coco_no_annotation_image_id",
            |v| remove(&mut v["annotations"][1], "image_id"),
            &["$.annotations[1]: ", "missing field `image_id`"],
        ),
        coco_edit(
            "coco_no_categories",
            |v| remove(v, "categories"),
            &["$: ", "missing field `categories`"],
        ),
        coco_edit(
            "coco_width_is_string",
            |v| v["images"][0]["width"] = json!("100"),
            &[
                "$.images[0].width",
                "invalid type: string \"100\"",
                "expected u32",
            ],
        ),
        coco_edit(
            "coco_bbox_is_string",
            |v| v["annotations"][0]["bbox"] = json!("10,10,20,20"),
            &["$.annotations[0].bbox", "invalid type: string"],
        ),
        coco_edit(
            "coco_bbox_three_numbers",
            |v| v["annotations"][0]["bbox"] = json!([10, 10, 20]),
            &["$.annotations[0].bbox", "invalid length 3", "length 4"],
        ),
        coco_edit(
            "coco_iscrowd_two",
            |v| v["annotations"][0]["iscrowd"] = json!(2),
            &["$.annotations[0].iscrowd", "expected 0 or 1"],
        ),
        // COCO ground truth: ids.
        coco_edit(
            "coco_duplicate_image_id",
            |v| v["images"][1]["id"] = json!(1),
            &["$.images[1].id", "image id 1 is used twice", "$.images[0]"],
        ),
        coco_edit(
            "coco_duplicate_file_name",
            |v| v["images"][2]["file_name"] = json!("a.jpg"),
            &["$.images[2].file_name", "\"a.jpg\" is used twice"],
        ),
        coco_edit(
            "coco_duplicate_annotation_id",
            |v| v["annotations"][3]["id"] = json!(2),
            &[
                "$.annotations[3].id",
                "annotation id 2 is used twice",
                "$.annotations[1]",
            ],
        ),
        coco_edit(
            "coco_duplicate_category_id",
            |v| v["categories"][1]["id"] = json!(1),
            &["$.categories[1].id", "category id 1 is used twice"],
        ),
        coco_edit(
            "coco_duplicate_category_name",
            |v| v["categories"][1]["name"] = json!("cat"),
            &["$.categories[1].name", "\"cat\" is used twice"],
        ),
        coco_edit(
            "coco_unknown_image_id",
            |v| v["annotations"][1]["image_id"] = json!(99),
            &[
                "$.annotations[1].image_id",
                "image id 99 is not among the file's images",
            ],
        ),
        coco_edit(
            "coco_unknown_category_id",
            |v| v["annotations"][1]["category_id"] = json!(7),
            &[
                "$.annotations[1].category_id",
                "category id 7 is not among the file's categories",
            ],
        ),
        // COCO ground truth: geometry.
        coco_edit(
            "coco_negative_box_width",
            |v| v["annotations"][1]["bbox"] = json!([30, 20, -40, 30]),
            &["$.annotations[1].bbox", "negative width or height"],
        ),
        coco_edit(
            "coco_negative_area",
            |v| v["annotations"][0]["area"] = json!(-5),
            &["$.annotations[0].area", "non-negative area"],
        ),
        coco_edit(
            "coco_rle_counts_sum",
            |v| {
                let rle = json!({"size": [48, 64], "counts": [10, 20, 30]});
                v["annotations"][2]["segmentation"] = rle;
            },
            &[
                "$.annotations[2].segmentation",
                "RLE counts sum to 60",
                "height * width = 3072",
            ],
        ),
        coco_edit(
            "coco_rle_invalid_chars",
            |v| v["annotations"][2]["segmentation"] = json!({"size": [48, 64], "counts": "0!~~"}),
            &[
                "$.annotations[2].segmentation",
                "invalid byte",
                "compressed RLE counts",
            ],
        ),
        coco_edit(
            "coco_rle_size_mismatch",
            |v| v["annotations"][2]["segmentation"] = json!({"size": [10, 10], "counts": [100]}),
            &[
                "$.annotations[2].segmentation.size",
                "mask size is 10x10",
                "the image is 48x64",
            ],
        ),
        coco_edit(
            "coco_polygon_odd_coordinates",
            |v| v["annotations"][2]["segmentation"] = json!([[5, 5, 25, 5, 25]]),
            &[
                "$.annotations[2].segmentation",
                "odd number of coordinates (5)",
                "x, y pairs",
            ],
        ),
        coco_edit(
            "coco_keypoints_not_triples",
            |v| v["annotations"][0]["keypoints"] = json!([12, 14, 2, 20, 22]),
            &[
                "$.annotations[0].keypoints",
                "x, y, visibility triples",
                "found 5 numbers",
            ],
        ),
        // COCO predictions.
        preds_text("preds_empty", "", &["the file is empty"]),
        preds_text(
            "preds_nan_score",
            "[\n  {\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3, 4], \"score\": NaN}\n]",
            &[
                "line 2",
                "malformed JSON",
                "NaN and Infinity are not valid JSON numbers",
            ],
        ),
        preds_text(
            "preds_top_level_object",
            "{\"annotations\": []}",
            &[
                "$: expected a COCO results list",
                "found an object",
                "assay import coco",
            ],
        ),
        preds_edit(
            "preds_unknown_image_id",
            |v| v[1]["image_id"] = json!(42),
            &["$[1].image_id", "image id 42 is not in the dataset"],
        ),
        preds_edit(
            "preds_unknown_category_id",
            |v| v[2]["category_id"] = json!(9),
            &["$[2].category_id", "category id 9 is not in the dataset"],
        ),
        preds_edit(
            "preds_missing_score",
            |v| remove(&mut v[0], "score"),
            &["$[0]: ", "missing field `score`"],
        ),
        preds_edit(
            "preds_score_is_string",
            |v| v[0]["score"] = json!("high"),
            &["$[0].score", "invalid type: string \"high\""],
        ),
        preds_edit(
            "preds_no_geometry",
            |v| remove(&mut v[1], "bbox"),
            &["$[1]: expected a bbox, a segmentation or keypoints"],
        ),
        preds_edit(
            "preds_negative_box_height",
            |v| v[0]["bbox"] = json!([11, 9, 19, -1]),
            &["$[0].bbox", "negative width or height"],
        ),
        // YOLO ground truth.
        yolo_label(
            "yolo_non_numeric",
            "0 0.5 0.5 0.2 0.2\n1 0.5 abc 0.2 0.2\n",
            &["line 2", "expected a number, found \"abc\""],
        ),
        yolo_label(
            "yolo_class_out_of_range",
            "0 0.5 0.5 0.2 0.2\n\n5 0.5 0.5 0.2 0.2\n",
            &["line 3", "class 5 is not among the 2 class names"],
        ),
        yolo_label(
            "yolo_negative_class",
            "-1 0.5 0.5 0.2 0.2\n",
            &["line 1", "expected a class index", "\"-1\""],
        ),
        yolo_label(
            "yolo_three_values",
            "0 0.5 0.5 0.2\n",
            &["line 1", "expected 4 box numbers", "found 3 numbers"],
        ),
        yolo_label(
            "yolo_negative_box",
            "0 0.5 0.5 -0.2 0.2\n",
            &["line 1", "negative width or height"],
        ),
        yolo_classes(
            "yolo_classes_malformed",
            "names: [cat, dog\n",
            &["expected a YOLO dataset YAML file", "line"],
        ),
        yolo_classes(
            "yolo_classes_without_names",
            "train: images/train\nnc: 2\n",
            &["expected a `names:` list or map of class names"],
        ),
        yolo_classes(
            "yolo_classes_duplicate_name",
            "names: [cat, cat]\n",
            &["class name \"cat\" is used by classes 0 and 1"],
        ),
        Case::new(
            "yolo_missing_images_folder",
            "import yolo --images @nowhere --classes @classes.yaml --dataset base",
        )
        .file("classes.yaml", CLASSES_YAML)
        .expect(&["nowhere", "folder not found"]),
        // YOLO predictions.
        yolo_preds(
            "yolo_preds_unknown_image",
            "ghost.txt",
            "0 0.5 0.5 0.2 0.2 0.9\n",
            &["no image named \"ghost\" in the dataset"],
        ),
        yolo_preds(
            "yolo_preds_missing_confidence",
            "a.txt",
            "0 0.5 0.5 0.2 0.2\n",
            &["line 1", "confidence"],
        ),
        yolo_preds(
            "yolo_preds_class_out_of_range",
            "b.txt",
            "0 0.5 0.5 0.2 0.2 0.9\n2 0.5 0.5 0.2 0.2 0.9\n",
            &["line 2", "class 2 is not among the dataset's 2 classes"],
        ),
        // Pascal VOC.
        voc(
            "voc_malformed_xml",
            "<annotation>\n  <object>\n    <name>cat</name>\n</annotation>\n",
            &["malformed XML", "line 4"],
        ),
        voc(
            "voc_xmin_after_xmax",
            &voc_xml(&bndbox(["60", "10", "20", "30"])),
            &["line 6", "expected xmin <= xmax and ymin <= ymax"],
        ),
        voc(
            "voc_missing_bndbox",
            &voc_xml("<difficult>0</difficult>"),
            &["line 4", "expected a <bndbox> in <object>"],
        ),
        voc(
            "voc_non_numeric_coordinate",
            &voc_xml(&bndbox(["ten", "10", "20", "30"])),
            &["line 6", "expected a number in <xmin>, found \"ten\""],
        ),
        voc(
            "voc_wrong_root",
            "<annotations><object/></annotations>\n",
            &["expected an <annotation> root element, found <annotations>"],
        ),
        Case::new(
            "voc_no_xml_files",
            "import voc --annotations @voc_empty --dataset base",
        )
        .file("voc_empty/readme.txt", "nothing here")
        .expect(&["voc_empty", "expected Pascal VOC .xml files, found none"]),
        // Image folders.
        Case::new(
            "folder_without_images",
            "import folder --images @no_images --dataset base",
        )
        .file("no_images/notes.txt", "not an image")
        .file("no_images/labels.csv", "a,b\n")
        .expect(&["no_images", "expected image files", "found none"]),
        Case::new(
            "folder_missing",
            "import folder --images @absent_folder --dataset base",
        )
        .expect(&["absent_folder", "folder not found"]),
        Case::new(
            "voc_annotations_is_a_file",
            "import voc --annotations @one.xml --dataset base",
        )
        .file("one.xml", voc_xml(&bndbox(["1", "1", "9", "9"])))
        .expect(&["one.xml", "expected a folder, found a file"]),
        // Generated-image manifests.
        manifest(
            "manifest_missing_prompt",
            "no_prompt.csv",
            "file,model,seed\nx.png,sdxl,1\n",
            &["line 1", "expected a `prompt` column"],
        ),
        manifest(
            "manifest_jsonl_malformed_line",
            "bad_line.jsonl",
            concat!(
                "{\"file\": \"x.png\", \"prompt\": \"a cat\", \"model\": \"sdxl\"}\n",
                "{\"file\": \"y.png\", \"prompt\": \"a dog\"\n",
            ),
            &["line 2", "expected an object with file, prompt, model"],
        ),
        manifest(
            "manifest_jsonl_missing_model",
            "no_model.jsonl",
            "{\"file\": \"x.png\", \"prompt\": \"a cat\"}\n",
            &["line 1", "missing field `model`"],
        ),
        manifest(
            "manifest_unsupported_extension",
            "prompts.xlsx",
            "file,prompt,model\nx.png,a cat,sdxl\n",
            &[
                "unsupported manifest format",
                "expected a .csv or .jsonl file",
            ],
        ),
        manifest(
            "manifest_bad_seed",
            "bad_seed.csv",
            "file,prompt,model,seed\nx.png,a cat,sdxl,1\ny.png,a dog,sdxl,abc\n",
            &["line 3", "expected an integer seed, found \"abc\""],
        ),
        manifest(
            "manifest_duplicate_file",
            "twice.csv",
            "file,prompt,model\nx.png,a cat,sdxl\nx.png,a dog,sdxl\n",
            &["line 3", "file \"x.png\" is listed twice (first on line 2)"],
        ),
        manifest(
            "manifest_no_rows",
            "header_only.csv",
            "file,prompt,model\n",
            &["the manifest has no rows"],
        ),
    ]
}

// ---------------------------------------------------------------------------
// Running cases.

/// Replaces folder `to` by a copy of the files of folder `from`.
fn copy_folder(from: &Path, to: &Path) {
    if to.exists() {
        std::fs::remove_dir_all(to).unwrap();
    }
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        assert!(entry.file_type().unwrap().is_file(), "{:?}", entry.path());
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// The project as set up: where it is, the snapshot every case must leave
/// unchanged, and a copy of its store to undo a case that changed it (so
/// that one broken case does not fail all those after it).
struct Project {
    dir: PathBuf,
    base_file: PathBuf,
    snapshot: Snapshot,
    backup: PathBuf,
}

impl Project {
    /// Imports dataset `base` and predictions of model `m`, writing the
    /// valid inputs under `inputs`.
    fn setup(dir: &Path, inputs: &Path) -> Project {
        assay_ok(dir, &["init"]);
        let gt = inputs.join("base.json");
        let preds = inputs.join("base_predictions.json");
        write(&gt, pretty(&base_coco()).as_bytes());
        write(&preds, pretty(&base_predictions()).as_bytes());
        assay_ok(dir, &import_coco(&gt, "base"));
        let preds = preds.to_str().unwrap();
        let add = [
            "predictions",
            "add",
            "--model",
            "m",
            "--coco",
            preds,
            "--dataset",
            "base",
        ];
        assay_ok(dir, &add);
        let backup = inputs.join("store-backup");
        copy_folder(&dir.join(".assay"), &backup);
        Project {
            dir: dir.to_path_buf(),
            base_file: gt,
            snapshot: Snapshot::take(dir, &inputs.join("snapshot")),
            backup,
        }
    }

    /// Compares the store with the setup snapshot; names the parts that
    /// changed, and puts the setup store back if any did.
    fn changes(&self, scratch: &Path) -> Vec<String> {
        let now = Snapshot::take(&self.dir, scratch);
        let changed = self.snapshot.differences(&now);
        if !changed.is_empty() {
            copy_folder(&self.backup, &self.dir.join(".assay"));
        }
        changed
            .into_iter()
            .map(|part| format!("the store changed: {part} differs"))
            .collect()
    }
}

/// Writes the case's files under `dir` and turns `@x` arguments into paths there.
fn prepare(case: &Case, dir: &Path) -> Vec<String> {
    std::fs::create_dir_all(dir).unwrap();
    for (rel, bytes) in &case.files {
        write(&dir.join(rel), bytes);
    }
    case.command
        .split(' ')
        .map(|a| match a.strip_prefix('@') {
            Some(rel) => dir.join(rel).to_str().unwrap().to_string(),
            None => a.to_string(),
        })
        .collect()
}

/// Runs one broken case in folder `dir`; returns what was wrong with the outcome.
fn check_broken(case: &Case, project: &Project, dir: &Path) -> Vec<String> {
    let args = prepare(case, dir);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = assay(&project.dir, &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.success() {
        problems.push("succeeded; expected an error".to_string());
    } else if out.status.code() != Some(1) {
        problems.push(format!("exited with {:?}; expected 1", out.status.code()));
    }
    if stderr.contains("panicked") {
        problems.push("panicked".to_string());
    }
    if !stderr.starts_with("error: ") {
        problems.push("stderr does not start with `error: `".to_string());
    }
    for want in &case.expect {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    problems.extend(project.changes(&dir.join("snapshot")));
    // Shown with `--nocapture`, to read the messages users get.
    let dir_prefix = format!("{}/", dir.display());
    let message = stderr.lines().next().unwrap_or("");
    println!("       {}", message.replace(&dir_prefix, ""));
    if !problems.is_empty() {
        problems.push(format!("stderr was: {}", stderr.trim_end()));
    }
    problems
}

/// Imports the base file again: it must succeed and change nothing.
fn check_reimport(project: &Project, scratch: &Path) -> Vec<String> {
    let out = assay(&project.dir, &import_coco(&project.base_file, "base"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let mut problems = Vec::new();
    if !out.status.success() {
        problems.push(format!("failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    if !stdout.contains("0 images added, 3 updated, 4 annotations, 0 new categories") {
        problems.push(format!(
            "expected 0 images added, 3 updated; stdout: {stdout}"
        ));
    }
    problems.extend(project.changes(scratch));
    problems
}

/// In a fresh project: a box partly outside its image is usable, so the file
/// imports (exit 0) with a `box_outside_image` warning and the box is kept.
fn check_box_outside_image(dir: &Path) -> Vec<String> {
    let project = dir.join("project");
    assay_ok(&project, &["init"]);
    let mut coco = base_coco();
    coco["annotations"][1]["bbox"] = json!([80, 60, 30, 30]);
    let file = dir.join("outside.json");
    write(&file, pretty(&coco).as_bytes());
    let out = assay(&project, &import_coco(&file, "odd"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if !out.status.success() {
        problems.push("failed; expected exit 0 with a warning".to_string());
    }
    let wanted = [
        "warnings: 1 box_outside_image",
        "outside.json",
        "$.annotations[1].bbox",
        "leaves the 100x80 image",
    ];
    for want in wanted {
        if !stderr.contains(want) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    let info: Value = serde_json::from_str(&assay_ok(&project, &["info", "--json"])).unwrap();
    if info["datasets"][0]["annotations"] != 4 {
        problems.push(format!("expected the 4 annotations kept, info: {info}"));
    }
    if !problems.is_empty() {
        problems.push(format!("stderr was: {}", stderr.trim_end()));
    }
    problems
}

#[test]
fn broken_inputs_fail_clearly_and_leave_the_store_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let project = Project::setup(&tmp.path().join("project"), &tmp.path().join("inputs"));

    // The snapshot holds what setup imported.
    let info: Value = serde_json::from_str(&project.snapshot.parts[0].1).unwrap();
    assert_eq!(info["datasets"][0]["images"], 3, "{info}");
    assert_eq!(info["datasets"][0]["annotations"], 4, "{info}");
    assert_eq!(info["models"][0]["predictions"], 3, "{info}");

    let cases = broken_cases();
    assert!(
        cases.len() >= 24,
        "expected at least 24 cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut record = |name: &str, problems: Vec<String>| {
        let verdict = if problems.is_empty() { "ok" } else { "FAILED" };
        println!("{verdict:>6} {name}");
        if !problems.is_empty() {
            failures.push(format!("{name}:\n    {}", problems.join("\n    ")));
        }
    };
    for (i, case) in cases.iter().enumerate() {
        // A neutral folder name, so that only the file name can match.
        let dir = tmp.path().join(format!("c{i:02}"));
        record(case.name, check_broken(case, &project, &dir));
    }
    record(
        "valid_reimport",
        check_reimport(&project, &tmp.path().join("reimport")),
    );
    // Last, and in a project of its own, so that it cannot touch the snapshot.
    record(
        "box_outside_image_warning",
        check_box_outside_image(&tmp.path().join("odd")),
    );

    println!(
        "checked {} broken-input cases, a valid re-import and a usable odd file",
        cases.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len() + 2,
        failures.join("\n")
    );
}
