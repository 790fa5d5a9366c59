//! Hand-checked cases; expected values come from pycocotools 2.0.11.

use super::*;

fn rle(counts: &[u32], height: u32, width: u32) -> Rle {
    Rle::from_uncompressed(counts.to_vec(), height, width).unwrap()
}

#[test]
fn encode_decode_area_bbox() {
    // Rows [0 1 1 0], [0 1 0 0], [1 1 0 0], written column by column.
    let mask = [0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
    let r = Rle::encode(&mask, 3, 4).unwrap();
    assert_eq!(r.counts, vec![2, 5, 5]);
    assert_eq!(r.to_compressed(), "255");
    assert_eq!(r.decode(), mask);
    assert_eq!(r.area(), 5);
    assert_eq!(r.to_bbox(), [0.0, 0.0, 3.0, 3.0]);
}

#[test]
fn encode_edge_cases() {
    assert_eq!(Rle::encode(&[], 0, 3).unwrap().counts, vec![0]);
    assert_eq!(Rle::encode(&[1, 1], 1, 2).unwrap().counts, vec![0, 2]);
    assert_eq!(Rle::encode(&[0, 0], 2, 1).unwrap().counts, vec![2]);
    // Any nonzero byte is foreground.
    assert_eq!(
        Rle::encode(&[0, 1, 2, 255], 4, 1).unwrap().counts,
        vec![1, 3]
    );
}

#[test]
fn bbox_follows_maskapi_arithmetic() {
    assert_eq!(rle(&[3, 0, 2, 1, 4], 2, 5).to_bbox(), [2.0, 1.0, 1.0, 1.0]);
    assert_eq!(rle(&[3, 2, 7], 4, 3).to_bbox(), [0.0, 0.0, 2.0, 4.0]);
    assert_eq!(rle(&[12], 4, 3).to_bbox(), [0.0; 4]);
    let wrapped = [5.0, 2.0, 4_294_967_292.0, 4_294_967_295.0];
    assert_eq!(rle(&[10, 0], 2, 5).to_bbox(), wrapped);
    assert_eq!(
        rle(&[0, 0], 0, 5).to_bbox(),
        [5.0, 0.0, 4_294_967_292.0, 1.0]
    );
}

#[test]
fn decode_is_always_height_times_width() {
    let short = Rle {
        height: 2,
        width: 2,
        counts: vec![1, 1],
    };
    assert_eq!(short.decode(), vec![0, 1, 0, 0]);
    let long = Rle {
        height: 2,
        width: 2,
        counts: vec![1, 9],
    };
    assert_eq!(long.decode(), vec![0, 1, 1, 1]);
}

#[test]
fn compressed_strings() {
    assert_eq!(rle(&[3, 0, 2, 1, 4], 2, 5).to_compressed(), "30212");
    assert_eq!(rle(&[10, 0], 2, 5).to_compressed(), ":0");
    assert_eq!(rle(&[], 0, 0).to_compressed(), "");
    let big = rle(&[1 << 30, 1], (1 << 30) + 1, 1);
    assert_eq!(big.to_compressed(), "PPPPPP11");
    let r = Rle::from_compressed(";193M1OO2N1Om0", 10, 10).unwrap();
    assert_eq!(r.to_compressed(), ";193M1OO2N1Om0");
    assert_eq!(r.area(), 17);
}

#[test]
fn seven_character_negative_deltas_round_trip() {
    // pycocotools writes this string but reads back a wrong fourth count.
    let counts = vec![5, 1 << 31, 5, 1, 1];
    let r = rle(&counts, 1, (1 << 31) + 12);
    assert_eq!(r.to_compressed(), "5PPPPPP25QPPPPPNL");
    assert_eq!(
        Rle::from_compressed("5PPPPPP25QPPPPPNL", 1, (1 << 31) + 12).unwrap(),
        r
    );
}

#[test]
fn compressed_errors() {
    let invalid = Rle::from_compressed("12p", 1, 3);
    assert_eq!(
        invalid,
        Err(MaskError::InvalidChar {
            offset: 2,
            byte: b'p'
        })
    );
    let truncated = Rle::from_compressed("1P", 1, 3);
    assert_eq!(truncated, Err(MaskError::Truncated { offset: 2 }));
    let long = Rle::from_compressed("PPPPPPPP1", 1, 3);
    assert_eq!(long, Err(MaskError::Overflow { offset: 6 }));
    let negative = Rle::from_compressed("O", 1, 3);
    assert_eq!(negative, Err(MaskError::Overflow { offset: 0 }));
    let sum = Rle::from_compressed("12", 1, 4);
    assert_eq!(
        sum,
        Err(MaskError::CountsSum {
            expected: 4,
            actual: 3
        })
    );
    assert!(Rle::from_compressed("é", 1, 1).is_err());
    let message = invalid.unwrap_err().to_string();
    assert!(message.contains("expected an ASCII character"), "{message}");
}

#[test]
fn constructor_errors() {
    let short = Rle::encode(&[0; 5], 2, 3);
    assert_eq!(
        short,
        Err(MaskError::MaskLength {
            expected: 6,
            actual: 5
        })
    );
    let sum = Rle::from_uncompressed(vec![1, 2], 2, 2);
    assert_eq!(
        sum,
        Err(MaskError::CountsSum {
            expected: 4,
            actual: 3
        })
    );
    let huge = Rle::from_uncompressed(vec![u32::MAX, 0, 1], 65536, 65536);
    assert!(matches!(huge, Err(MaskError::TooLarge { .. })));
}

#[test]
fn polygons() {
    let triangle = Rle::from_polygon(&[1.0, 1.0, 8.0, 2.0, 3.0, 7.0], 10, 10);
    assert_eq!(triangle.to_compressed(), ";193M1OO2N1Om0");
    assert_eq!(triangle.to_bbox(), [1.0, 1.0, 6.0, 5.0]);
    let crossing = Rle::from_polygon(&[-2.0, -2.0, 5.0, -2.0, 5.0, 3.0, -2.0, 3.0], 6, 8);
    assert_eq!(crossing.to_compressed(), "0330000000b0");
    assert_eq!(crossing.area(), 15);
    let duplicated = Rle::from_polygon(&[1.0, 1.0, 1.0, 1.0, 3.0, 1.0, 3.0, 3.0], 5, 5);
    assert_eq!(duplicated.to_compressed(), ";1=");
    let negative = Rle::from_polygon(&[-1.3, -1.3, -1.3, 2.0, 2.0, 2.0], 5, 5);
    assert_eq!(negative.to_compressed(), "024O>");
}

#[test]
fn degenerate_polygons() {
    for poly in [&[][..], &[2.0, 2.0], &[1.0, 1.0, 4.0, 1.0, 4.0]] {
        assert_eq!(Rle::from_polygon(poly, 5, 5).counts, vec![25]);
    }
    let square = [1.0, 1.0, 4.0, 1.0, 4.0, 4.0, 1.0, 4.0];
    assert_eq!(Rle::from_polygon(&square, 0, 5).counts, vec![0]);
    assert_eq!(Rle::from_polygon(&square, 5, 0).counts, vec![0]);
    assert_eq!(Rle::from_polygon(&square, 5, 5).to_compressed(), "6320004");
    assert_eq!(Rle::from_polygons(&[], 3, 4).counts, vec![12]);
}

#[test]
fn holes_are_unioned() {
    let outer = vec![1.0, 1.0, 9.0, 1.0, 9.0, 9.0, 1.0, 9.0];
    let inner = vec![3.0, 3.0, 7.0, 3.0, 7.0, 7.0, 3.0, 7.0];
    let union = Rle::from_polygons(&[outer.clone(), inner], 12, 12);
    assert_eq!(union.to_compressed(), "=840000000000000S1");
    assert_eq!(union.area(), Rle::from_polygon(&outer, 12, 12).area());
    // A hole cut by a bridge inside one polygon is even-odd filled.
    let bridged = [
        1.0, 1.0, 9.0, 1.0, 9.0, 9.0, 1.0, 9.0, 1.0, 3.0, 3.0, 3.0, 3.0, 7.0, 7.0, 7.0, 7.0, 3.0,
        1.0, 3.0,
    ];
    let r = Rle::from_polygon(&bridged, 12, 12);
    assert_eq!(r.to_compressed(), "=8400J000000000000000600S1");
    assert_eq!(r.area(), 48);
}

#[test]
fn boxes() {
    let r = Rle::from_bbox([1.5, 2.2, 3.1, 4.7], 10, 10);
    assert_eq!(r.to_compressed(), "f055000`1");
    assert_eq!(r.to_bbox(), [2.0, 2.0, 3.0, 5.0]);
    assert_eq!(
        Rle::from_bbox([-3.0, -3.0, 5.0, 5.0], 4, 4).to_compressed(),
        "02208"
    );
}

/// IoU of one detection with one ground truth.
fn iou1(dt: &Rle, gt: &Rle, crowd: bool) -> f64 {
    let ious = rle_iou(std::slice::from_ref(dt), std::slice::from_ref(gt), &[crowd]);
    ious.unwrap()[0]
}

#[test]
fn merge_and_iou() {
    let a = rle(&[1, 4, 4], 3, 3);
    let b = rle(&[3, 6], 3, 3);
    let both = [a.clone(), b.clone()];
    assert_eq!(Rle::merge(&both, true).unwrap().counts, vec![3, 2, 4]);
    assert_eq!(Rle::merge(&both, false).unwrap().counts, vec![1, 8]);
    assert_eq!(Rle::merge(&both[..1], false).unwrap(), a);
    let ious = rle_iou(&both, &both, &[false, true]).unwrap();
    assert_eq!(ious, vec![1.0, 0.5, 0.25, 1.0]);
    assert_eq!(iou1(&b, &a, true), 2.0 / 6.0);
    // Different sizes: -1 when the boxes overlap, 0 when they do not.
    assert_eq!(iou1(&a, &rle(&[1, 4, 1], 2, 3), false), -1.0);
    assert_eq!(iou1(&a, &rle(&[5, 1], 2, 3), false), 0.0);
    assert_eq!(rle_iou(&[], &[a], &[false]).unwrap(), Vec::<f64>::new());
}

#[test]
fn merge_and_iou_errors() {
    assert_eq!(Rle::merge(&[], false), Err(MaskError::EmptyMerge));
    let mixed = [rle(&[4], 2, 2), rle(&[6], 2, 3)];
    assert!(matches!(
        Rle::merge(&mixed, false),
        Err(MaskError::SizeMismatch { index: 1, .. })
    ));
    let broken = Rle {
        height: 2,
        width: 2,
        counts: vec![1, 1],
    };
    assert!(Rle::merge(&[broken.clone(), broken.clone()], false).is_err());
    let one = std::slice::from_ref(&broken);
    assert!(rle_iou(one, one, &[false]).is_err());
    let crowd = rle_iou(&mixed, &mixed, &[true]);
    assert_eq!(
        crowd,
        Err(MaskError::CrowdLength {
            expected: 2,
            actual: 1
        })
    );
}

#[test]
fn inconsistent_rles_do_not_panic() {
    let odd = [
        Rle {
            height: 0,
            width: 3,
            counts: vec![1, 5, 2],
        },
        Rle {
            height: 2,
            width: 2,
            counts: vec![],
        },
        Rle {
            height: 3,
            width: 3,
            counts: vec![u32::MAX, u32::MAX, 7],
        },
    ];
    for r in &odd {
        let _ = (r.decode(), r.area(), r.to_bbox(), r.to_compressed());
    }
    let counts = iou::merge_counts(&[1, 2], &[9, 9, 9], false);
    assert!(!counts.is_empty());
}
