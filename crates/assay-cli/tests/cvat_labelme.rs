//! CVAT for images 1.1 XML and LabelMe JSON: files written to those tools'
//! documented schemas import, and round-trip through `assay export cvat`
//! and `assay export labelme` to the same images, classes, boxes and
//! polygons; the demo's dataset survives a trip through each format.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use common::{assay, assay_fails, build_demo, path};

/// Per image file name: its objects as (class, rounded box, polygon points).
type Objects = BTreeMap<String, Vec<(String, [i64; 4], usize)>>;

/// `assay export coco` of a dataset, as objects per image.
fn objects(project: &Path, dataset: &str) -> Objects {
    let out = project.join(format!("{dataset}.coco.json"));
    assay(
        project,
        &["export", "coco", "--dataset", dataset, "--out", path(&out)],
    );
    let coco: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let name = |key: &str, id: i64| -> String {
        coco[key]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"].as_i64() == Some(id))
            .map(|x| {
                x[if key == "images" { "file_name" } else { "name" }]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .unwrap()
    };
    let mut out: Objects = BTreeMap::new();
    for image in coco["images"].as_array().unwrap() {
        let file = image["file_name"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        out.entry(file).or_default();
    }
    for a in coco["annotations"].as_array().unwrap() {
        let file = name("images", a["image_id"].as_i64().unwrap());
        let file = file.rsplit('/').next().unwrap().to_string();
        // A polygon's box is its bounds (CVAT and LabelMe keep no other).
        let polygon: Vec<f64> = a["segmentation"]
            .as_array()
            .and_then(|p| p.first())
            .and_then(Value::as_array)
            .map(|p| p.iter().map(|v| v.as_f64().unwrap()).collect())
            .unwrap_or_default();
        let points = polygon.len();
        let mut b: Vec<f64> = a["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        if points > 0 {
            let xs = polygon.iter().step_by(2);
            let ys = polygon.iter().skip(1).step_by(2);
            let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            b = vec![x0, y0, x1 - x0, y1 - y0];
        }
        let b: Vec<i64> = b.iter().map(|v| (v * 1000.0).round() as i64).collect();
        out.entry(file).or_default().push((
            name("categories", a["category_id"].as_i64().unwrap()),
            [b[0], b[1], b[2], b[3]],
            points,
        ));
    }
    for list in out.values_mut() {
        list.sort();
    }
    out
}

const CVAT: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <id>7</id>
      <name>street</name>
      <size>2</size>
      <labels>
        <label><name>car</name><color>#ff0000</color><attributes></attributes></label>
        <label><name>person</name><color>#00ff00</color><attributes></attributes></label>
      </labels>
      <owner><username>ana</username><email>ana@example.org</email></owner>
    </task>
    <dumped>2026-12-01 10:00:00.000000+00:00</dumped>
  </meta>
  <image id="0" name="frames/a.jpg" width="640" height="480">
    <box label="car" source="manual" occluded="0" xtl="10.5" ytl="20.25" xbr="110.5" ybr="80.25" z_order="0"></box>
    <polygon label="person" source="manual" occluded="1" points="200.00,100.00;260.00,100.00;230.00,220.50" z_order="0"></polygon>
    <points label="person" source="manual" occluded="0" points="5.0,5.0" z_order="0"></points>
  </image>
  <image id="1" name="frames/b.jpg" width="640" height="480">
  </image>
</annotations>
"#;

#[test]
fn cvat_files_import_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assay(p, &["init"]);
    let xml = p.join("annotations.xml");
    std::fs::write(&xml, CVAT).unwrap();
    assay(
        p,
        &[
            "import",
            "cvat",
            "--annotations",
            path(&xml),
            "--dataset",
            "street",
        ],
    );
    let first = objects(p, "street");
    assert_eq!(first.len(), 2, "{first:?}");
    assert_eq!(
        first["a.jpg"].len(),
        2,
        "the points shape is left out: {first:?}"
    );
    assert_eq!(
        first["a.jpg"][0],
        ("car".to_string(), [10500, 20250, 100000, 60000], 0)
    );
    assert_eq!(first["a.jpg"][1].0, "person");
    assert_eq!(first["a.jpg"][1].2, 6, "three polygon points");
    let again = p.join("again.xml");
    assay(
        p,
        &[
            "export",
            "cvat",
            "--dataset",
            "street",
            "--out",
            path(&again),
        ],
    );
    assay(
        p,
        &[
            "import",
            "cvat",
            "--annotations",
            path(&again),
            "--dataset",
            "street2",
        ],
    );
    assert_eq!(objects(p, "street2"), first);
    // A broken file names the file and line.
    std::fs::write(&xml, CVAT.replace("xbr=\"110.5\"", "xbr=\"wide\"")).unwrap();
    let err = assay_fails(
        p,
        &[
            "import",
            "cvat",
            "--annotations",
            path(&xml),
            "--dataset",
            "bad",
        ],
    );
    assert!(
        err.contains("annotations.xml") && err.contains("line 18") && err.contains("xbr"),
        "{err}"
    );
}

#[test]
fn labelme_files_import_and_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    assay(p, &["init"]);
    let labelled = p.join("labelled/day");
    std::fs::create_dir_all(&labelled).unwrap();
    let file = |shapes: &str, image: &str| {
        format!(
            r#"{{"version": "5.5.0", "flags": {{}}, "shapes": [{shapes}], "imagePath": "{image}", "imageData": null, "imageHeight": 300, "imageWidth": 400}}"#
        )
    };
    std::fs::write(
        labelled.join("one.json"),
        file(r#"{"label": "dog", "points": [[120.5, 80.0], [20.5, 10.0]], "group_id": null, "description": "", "shape_type": "rectangle", "flags": {}},
                {"label": "cat", "points": [[10, 10], [50, 10], [30, 40], [12, 35]], "group_id": null, "shape_type": "polygon", "flags": {}},
                {"label": "cat", "points": [[1, 1]], "group_id": null, "shape_type": "point", "flags": {}}"#, "one.jpg"),
    )
    .unwrap();
    std::fs::write(labelled.join("two.json"), file("", "two.jpg")).unwrap();
    assay(
        p,
        &[
            "import",
            "labelme",
            "--annotations",
            path(&p.join("labelled")),
            "--dataset",
            "pets",
        ],
    );
    let first = objects(p, "pets");
    assert_eq!(first["one.jpg"].len(), 2, "{first:?}");
    assert!(
        first["one.jpg"].contains(&("dog".to_string(), [20500, 10000, 100000, 70000], 0)),
        "{first:?}"
    );
    assert!(first["one.jpg"].iter().any(|o| o.0 == "cat" && o.2 == 8));
    assert!(first["two.jpg"].is_empty());
    let out = p.join("exported");
    assay(
        p,
        &[
            "export",
            "labelme",
            "--dataset",
            "pets",
            "--out",
            path(&out),
        ],
    );
    assay(
        p,
        &[
            "import",
            "labelme",
            "--annotations",
            path(&out),
            "--dataset",
            "pets2",
        ],
    );
    assert_eq!(objects(p, "pets2"), first);
    std::fs::write(labelled.join("two.json"), "{\"shapes\": 3}").unwrap();
    let err = assay_fails(
        p,
        &[
            "import",
            "labelme",
            "--annotations",
            path(&p.join("labelled")),
            "--dataset",
            "bad",
        ],
    );
    assert!(err.contains("two.json") && err.contains("shapes"), "{err}");
}

#[test]
fn the_demo_survives_a_trip_through_cvat_and_labelme() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    build_demo(p);
    let original = objects(p, "shapes");
    let xml = p.join("shapes.xml");
    assay(
        p,
        &["export", "cvat", "--dataset", "shapes", "--out", path(&xml)],
    );
    assay(
        p,
        &[
            "import",
            "cvat",
            "--annotations",
            path(&xml),
            "--dataset",
            "via-cvat",
        ],
    );
    assert_eq!(objects(p, "via-cvat"), original);
    let folder = p.join("labelme");
    assay(
        p,
        &[
            "export",
            "labelme",
            "--dataset",
            "shapes",
            "--out",
            path(&folder),
        ],
    );
    assay(
        p,
        &[
            "import",
            "labelme",
            "--annotations",
            path(&folder),
            "--dataset",
            "via-labelme",
        ],
    );
    assert_eq!(objects(p, "via-labelme"), original);
}
