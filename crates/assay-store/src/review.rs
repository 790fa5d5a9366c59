//! People and their review work: users with a role and a token hash,
//! review queues of images (or objects) assigned to reviewers, and every
//! verdict, kept in full: nothing is overwritten, an item can be reviewed
//! by several reviewers.

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use crate::{Result, Store, StoreError};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything: queues, users, every write.
    Admin,
    /// Reads, and verdicts on the queues assigned to them.
    Reviewer,
    /// Reads only.
    Viewer,
    /// Only sends production records (`POST /api/ingest`); reads nothing.
    Ingest,
}

impl Role {
    /// Its name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Reviewer => "reviewer",
            Role::Viewer => "viewer",
            Role::Ingest => "ingest",
        }
    }

    /// The role named `s`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "reviewer" => Some(Role::Reviewer),
            "viewer" => Some(Role::Viewer),
            "ingest" => Some(Role::Ingest),
            _ => None,
        }
    }
}

/// A user.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// What they may do.
    pub role: Role,
    /// When added (UTC).
    pub created_at: String,
}

/// An issue as a review item.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueItem {
    /// The image's row id.
    pub sample: i64,
    /// The object, for object issues.
    pub annotation: Option<i64>,
    /// The issue type.
    pub kind: String,
    /// What is wrong, in words.
    pub explanation: String,
}

/// A queue to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewQueue {
    /// Its dataset.
    pub dataset: String,
    /// Its name (unique per dataset).
    pub name: String,
    /// The selection it was made from, for people.
    pub source: String,
    /// How many reviewers each item needs.
    pub overlap: u32,
    /// Who made it.
    pub created_by: Option<String>,
    /// The items, in review order.
    pub items: Vec<NewItem>,
    /// The reviewers assigned (user ids).
    pub assignees: Vec<i64>,
}

/// An item to review: an image, optionally one object on it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    /// The image's row id.
    pub sample: i64,
    /// The object's id in its source, when the item is about one.
    pub annotation: Option<i64>,
    /// Why it is in the queue.
    pub reason: String,
}

/// A queue with its progress.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueInfo {
    /// Row id.
    pub id: i64,
    /// Its dataset.
    pub dataset: String,
    /// Its name.
    pub name: String,
    /// The selection it was made from.
    pub source: String,
    /// Reviewers each item needs.
    pub overlap: u32,
    /// Who made it.
    pub created_by: Option<String>,
    /// When (UTC).
    pub created_at: String,
    /// Items in it.
    pub items: usize,
    /// Items with verdicts (other than skips) from `overlap` reviewers.
    pub done: usize,
    /// Verdicts given.
    pub verdicts: usize,
    /// The reviewers assigned, by name.
    pub assignees: Vec<String>,
}

/// An item of a queue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemRow {
    /// Row id.
    pub id: i64,
    /// Its queue.
    pub queue: i64,
    /// Its place in the queue.
    pub position: i64,
    /// The image's row id.
    pub sample: i64,
    /// The object, when the item is about one.
    pub annotation: Option<i64>,
    /// Why it is in the queue.
    pub reason: String,
    /// Reviewers who gave a verdict other than skip.
    pub reviewers: usize,
}

/// A verdict to record. `edits`, `before` and `after` are JSON the
/// application layer writes and reads back as its own types.
#[derive(Debug, Clone, PartialEq)]
pub struct NewVerdict {
    /// The item.
    pub item: i64,
    /// The reviewer (user id).
    pub user: i64,
    /// `accept`, `reject`, `fix` or `skip`.
    pub decision: String,
    /// The changes, as JSON.
    pub edits: String,
    /// The image's labels before, as JSON.
    pub before: String,
    /// The image's labels after, as JSON.
    pub after: String,
    /// The reviewer's note.
    pub note: Option<String>,
}

/// A recorded verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VerdictRow {
    /// Row id.
    pub id: i64,
    /// The item.
    pub item: i64,
    /// The reviewer's name.
    pub reviewer: String,
    /// `accept`, `reject`, `fix` or `skip`.
    pub decision: String,
    /// The changes, as JSON.
    pub edits: String,
    /// The labels before, as JSON.
    pub before: String,
    /// The labels after, as JSON.
    pub after: String,
    /// The note.
    pub note: Option<String>,
    /// When (UTC).
    pub created_at: String,
}

impl Store {
    /// Adds a user with the hash of their token.
    pub fn add_user(&mut self, name: &str, role: Role, token_hash: &str) -> Result<i64> {
        let tx = self.write()?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "a user named {name:?} exists"
            )));
        }
        tx.execute(
            "INSERT INTO users (name, role, token_hash) VALUES (?1, ?2, ?3)",
            params![name, role.as_str(), token_hash],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Removes a user (their verdicts stay, under their name).
    pub fn remove_user(&mut self, name: &str) -> Result<()> {
        let tx = self.write()?;
        let n = tx.execute(
            "UPDATE users SET token_hash = 'removed:' || id, role = 'viewer' WHERE name = ?1",
            [name],
        )?;
        tx.execute(
            "DELETE FROM review_assignments WHERE user_id = (SELECT id FROM users WHERE name = ?1)",
            [name],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("no user named {name:?}")));
        }
        tx.commit()?;
        Ok(())
    }

    /// Every user, by name.
    pub fn users(&self) -> Result<Vec<User>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name, role, created_at FROM users
             WHERE token_hash NOT LIKE 'removed:%' ORDER BY name",
        )?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The user whose token has this hash.
    pub fn user_by_token_hash(&self, hash: &str) -> Result<Option<User>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, name, role, created_at FROM users WHERE token_hash = ?1",
                [hash],
                user_row,
            )
            .optional()?)
    }

    /// Whether the project has users (then the server asks every request
    /// for a user's token).
    pub fn has_users(&self) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM users WHERE token_hash NOT LIKE 'removed:%')",
            [],
            |r| r.get(0),
        )?)
    }

    /// The issues of `dataset` of the given kinds, worst first, for review.
    pub fn issue_items(&self, dataset: &str, kinds: &[&str]) -> Result<Vec<IssueItem>> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT sample_id, annotation_source_id, kind, explanation FROM issues
             WHERE dataset_id = ?1 AND kind = ?2 ORDER BY score, sample_id, annotation_source_id",
        )?;
        let mut out = Vec::new();
        for kind in kinds {
            let rows = stmt.query_map(params![dataset_id, kind], |r| {
                Ok(IssueItem {
                    sample: r.get(0)?,
                    annotation: r.get(1)?,
                    kind: r.get(2)?,
                    explanation: r.get(3)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// Creates a queue with its items and assignees, in one transaction.
    pub fn create_queue(&mut self, queue: &NewQueue) -> Result<i64> {
        let dataset_id = self.dataset_id(&queue.dataset)?;
        let tx = self.write()?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM review_queues WHERE dataset_id = ?1 AND name = ?2)",
            params![dataset_id, queue.name],
            |r| r.get(0),
        )?;
        if taken {
            return Err(StoreError::Conflict(format!(
                "dataset {:?} has a queue named {:?}",
                queue.dataset, queue.name
            )));
        }
        tx.execute(
            "INSERT INTO review_queues (dataset_id, name, source, overlap, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                dataset_id,
                queue.name,
                queue.source,
                queue.overlap,
                queue.created_by
            ],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut item = tx.prepare(
                "INSERT INTO review_items (queue_id, position, sample_id, annotation_source_id, reason)
                 SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS
                   (SELECT 1 FROM samples WHERE id = ?3 AND dataset_id = ?6)",
            )?;
            for (position, it) in queue.items.iter().enumerate() {
                item.execute(params![
                    id,
                    position as i64,
                    it.sample,
                    it.annotation,
                    it.reason,
                    dataset_id
                ])?;
            }
            let mut assign = tx.prepare(
                "INSERT OR IGNORE INTO review_assignments (queue_id, user_id) VALUES (?1, ?2)",
            )?;
            for user in &queue.assignees {
                assign.execute(params![id, user])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// The queues (those assigned to `user` when given), newest first.
    pub fn queues(&self, user: Option<i64>) -> Result<Vec<QueueInfo>> {
        let mut stmt = self.conn.prepare(
            "SELECT q.id, d.name, q.name, q.source, q.overlap, q.created_by, q.created_at,
                    (SELECT COUNT(*) FROM review_items i WHERE i.queue_id = q.id),
                    (SELECT COUNT(*) FROM review_items i WHERE i.queue_id = q.id AND
                       (SELECT COUNT(DISTINCT v.user_id) FROM review_verdicts v
                        WHERE v.item_id = i.id AND v.decision != 'skip') >= q.overlap),
                    (SELECT COUNT(*) FROM review_verdicts v JOIN review_items i ON i.id = v.item_id
                     WHERE i.queue_id = q.id),
                    (SELECT group_concat(u.name, ',') FROM review_assignments a
                     JOIN users u ON u.id = a.user_id WHERE a.queue_id = q.id)
             FROM review_queues q JOIN datasets d ON d.id = q.dataset_id
             WHERE ?1 IS NULL OR EXISTS
               (SELECT 1 FROM review_assignments a WHERE a.queue_id = q.id AND a.user_id = ?1)
             ORDER BY q.id DESC",
        )?;
        let rows = stmt.query_map([user], |r| {
            let assignees: Option<String> = r.get(10)?;
            let mut assignees: Vec<String> = assignees
                .map(|a| a.split(',').map(str::to_string).collect())
                .unwrap_or_default();
            assignees.sort();
            Ok(QueueInfo {
                id: r.get(0)?,
                dataset: r.get(1)?,
                name: r.get(2)?,
                source: r.get(3)?,
                overlap: r.get(4)?,
                created_by: r.get(5)?,
                created_at: r.get(6)?,
                items: r.get::<_, i64>(7)? as usize,
                done: r.get::<_, i64>(8)? as usize,
                verdicts: r.get::<_, i64>(9)? as usize,
                assignees,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One queue.
    pub fn queue(&self, id: i64) -> Result<QueueInfo> {
        self.queues(None)?
            .into_iter()
            .find(|q| q.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("no review queue {id}")))
    }

    /// Whether `user` is assigned to queue `queue`.
    pub fn is_assigned(&self, queue: i64, user: i64) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM review_assignments WHERE queue_id = ?1 AND user_id = ?2)",
            params![queue, user],
            |r| r.get(0),
        )?)
    }

    /// The items of a queue, in order.
    pub fn queue_items(&self, queue: i64) -> Result<Vec<ItemRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM review_items i WHERE i.queue_id = ?1 ORDER BY i.position"
        ))?;
        let rows = stmt.query_map([queue], item_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One item.
    pub fn review_item(&self, item: i64) -> Result<ItemRow> {
        self.conn
            .query_row(
                &format!("SELECT {ITEM_COLUMNS} FROM review_items i WHERE i.id = ?1"),
                [item],
                item_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no review item {item}")))
    }

    /// The next items `user` should review in `queue`: in order, those the
    /// user has not given a verdict on (skips included) and that still
    /// need reviewers; at most `limit`.
    pub fn next_items(&self, queue: i64, user: i64, limit: usize) -> Result<Vec<ItemRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS} FROM review_items i JOIN review_queues q ON q.id = i.queue_id
             WHERE i.queue_id = ?1
               AND NOT EXISTS (SELECT 1 FROM review_verdicts v WHERE v.item_id = i.id AND v.user_id = ?2)
               AND (SELECT COUNT(DISTINCT v.user_id) FROM review_verdicts v
                    WHERE v.item_id = i.id AND v.decision != 'skip') < q.overlap
             ORDER BY i.position LIMIT ?3"
        ))?;
        let rows = stmt.query_map(params![queue, user, limit as i64], item_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a verdict (never replacing another).
    pub fn add_verdict(&mut self, verdict: &NewVerdict) -> Result<i64> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO review_verdicts (item_id, user_id, decision, edits, before, after, note)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                verdict.item,
                verdict.user,
                verdict.decision,
                verdict.edits,
                verdict.before,
                verdict.after,
                verdict.note
            ],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Every verdict of a queue, oldest first.
    pub fn verdicts(&self, queue: i64) -> Result<Vec<VerdictRow>> {
        let mut stmt = self.conn.prepare(
            "SELECT v.id, v.item_id, u.name, v.decision, v.edits, v.before, v.after, v.note, v.created_at
             FROM review_verdicts v JOIN review_items i ON i.id = v.item_id
             JOIN users u ON u.id = v.user_id
             WHERE i.queue_id = ?1 ORDER BY v.id",
        )?;
        let rows = stmt.query_map([queue], |r| {
            Ok(VerdictRow {
                id: r.get(0)?,
                item: r.get(1)?,
                reviewer: r.get(2)?,
                decision: r.get(3)?,
                edits: r.get(4)?,
                before: r.get(5)?,
                after: r.get(6)?,
                note: r.get(7)?,
                created_at: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn user_row(r: &rusqlite::Row) -> rusqlite::Result<User> {
    let role: String = r.get(2)?;
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        created_at: r.get(3)?,
    })
}

/// The columns [`item_row`] reads, of `review_items i`.
const ITEM_COLUMNS: &str =
    "i.id, i.queue_id, i.position, i.sample_id, i.annotation_source_id, i.reason,
    (SELECT COUNT(DISTINCT v.user_id) FROM review_verdicts v
     WHERE v.item_id = i.id AND v.decision != 'skip')";

fn item_row(r: &rusqlite::Row) -> rusqlite::Result<ItemRow> {
    Ok(ItemRow {
        id: r.get(0)?,
        queue: r.get(1)?,
        position: r.get(2)?,
        sample: r.get(3)?,
        annotation: r.get(4)?,
        reason: r.get(5)?,
        reviewers: r.get::<_, i64>(6)? as usize,
    })
}

/// One annotator's label of an image: a class, with a box for objects
/// (none for a whole-image class).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnnotatorLabel {
    /// The annotator.
    pub annotator: String,
    /// The image's row id.
    pub sample: i64,
    /// The class name.
    pub class: String,
    /// `[x, y, w, h]`, for an object.
    pub bbox: Option<[f64; 4]>,
    /// The object's polygons (`[x1, y1, x2, y2, ...]` each), when drawn as
    /// polygons.
    pub polygons: Option<Vec<Vec<f64>>>,
}

/// Several annotators' labels of a dataset.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MultiAnnotations {
    /// Every label.
    pub labels: Vec<AnnotatorLabel>,
    /// (annotator, image row id) for every image an annotator saw.
    pub seen: Vec<(String, i64)>,
}

impl Store {
    /// Replaces `annotator`'s labels of `dataset` with `labels` (which name
    /// classes the dataset has), recording `images` (row ids) as the images
    /// they annotated, in one transaction.
    pub fn replace_annotator_labels(
        &mut self,
        dataset: &str,
        annotator: &str,
        images: &[i64],
        labels: &[AnnotatorLabel],
    ) -> Result<()> {
        let dataset_id = self.dataset_id(dataset)?;
        let classes: std::collections::HashMap<String, i64> = {
            let mut stmt = self
                .conn
                .prepare("SELECT name, id FROM categories WHERE dataset_id = ?1")?;
            let rows = stmt.query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let tx = self.write()?;
        tx.execute(
            "DELETE FROM annotator_labels WHERE dataset_id = ?1 AND annotator = ?2",
            params![dataset_id, annotator],
        )?;
        tx.execute(
            "DELETE FROM annotator_images WHERE dataset_id = ?1 AND annotator = ?2",
            params![dataset_id, annotator],
        )?;
        {
            let mut seen = tx.prepare(
                "INSERT OR IGNORE INTO annotator_images (dataset_id, annotator, sample_id) VALUES (?1, ?2, ?3)",
            )?;
            for image in images {
                seen.execute(params![dataset_id, annotator, image])?;
            }
            let mut insert = tx.prepare(
                "INSERT INTO annotator_labels (dataset_id, annotator, sample_id, category_id, x, y, w, h, polygons)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for l in labels {
                let Some(&class) = classes.get(&l.class) else {
                    return Err(StoreError::NotFound(format!(
                        "dataset {dataset:?} has no class {:?}",
                        l.class
                    )));
                };
                let b = l.bbox.map_or([None; 4], |b| b.map(Some));
                let polygons = l
                    .polygons
                    .as_ref()
                    .map(|p| serde_json::to_string(p).unwrap_or_default());
                insert.execute(params![
                    dataset_id, annotator, l.sample, class, b[0], b[1], b[2], b[3], polygons
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Every annotator's labels of `dataset`, and the images each saw.
    pub fn annotator_labels(&self, dataset: &str) -> Result<MultiAnnotations> {
        let dataset_id = self.dataset_id(dataset)?;
        let mut stmt = self.conn.prepare(
            "SELECT l.annotator, l.sample_id, c.name, l.x, l.y, l.w, l.h, l.polygons
             FROM annotator_labels l JOIN categories c ON c.id = l.category_id
             WHERE l.dataset_id = ?1 ORDER BY l.annotator, l.sample_id, l.id",
        )?;
        let labels = stmt
            .query_map([dataset_id], |r| {
                let b: [Option<f64>; 4] = [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?];
                Ok(AnnotatorLabel {
                    annotator: r.get(0)?,
                    sample: r.get(1)?,
                    class: r.get(2)?,
                    bbox: match b {
                        [Some(x), Some(y), Some(w), Some(h)] => Some([x, y, w, h]),
                        _ => None,
                    },
                    polygons: r
                        .get::<_, Option<String>>(7)?
                        .and_then(|t| serde_json::from_str(&t).ok()),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT annotator, sample_id FROM annotator_images WHERE dataset_id = ?1 ORDER BY annotator, sample_id",
        )?;
        let seen = stmt
            .query_map([dataset_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(MultiAnnotations { labels, seen })
    }
}
