//! One job's record: where it is, what it sent, what it produced and
//! cost, and the takes kept beside the selected one.

use serde::{Deserialize, Serialize};

use super::file::FileRecord;
use super::fingerprint::Fingerprint;

/// Where a job is. Each state is recorded before the step that follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum JobState {
    /// Not sent yet.
    Planned,
    /// About to be (or being) sent: recorded *before* the POST. A job left
    /// here without a task id may have been created and billed.
    Submitting,
    /// Accepted; `task_id` is known.
    Submitted,
    /// Finished on the server; result URLs and expiry recorded.
    Completed,
    /// Files downloaded and their digests recorded.
    Downloaded,
    /// The task failed on the server (a rerun submits it again).
    Failed,
}
/// One job (a chain segment or a batch line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobRecord {
    /// Position in the plan or jobs file.
    pub index: usize,
    /// Fingerprint of the job as planned; a mismatch on resume means the
    /// plan changed.
    pub fingerprint: Fingerprint,
    /// Where the job is.
    pub state: JobState,
    /// The task id, once accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The exact request body sent (recorded when submitting), kept as
    /// compact JSON text: a parsed value costs several times the memory,
    /// which a 100,000-job batch feels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<JsonText>,
    /// The video URL as manifests before `video_urls` recorded it; read
    /// from old manifests, never written (`video_urls` holds it).
    #[serde(default, skip_serializing)]
    pub video_url: Option<String>,
    /// Every URL the server gave for the video, tried in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_urls: Vec<String>,
    /// The last frame URL, once completed (when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_url: Option<String>,
    /// When the result URLs expire (unix seconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// The downloaded video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<FileRecord>,
    /// The downloaded last frame.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<FileRecord>,
    /// When the last submit was sent (unix seconds): with an uncertain
    /// submit, the moment to look for in the provider's task list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<i64>,
    /// The `Idempotency-Key` of the current take's submit, recorded before
    /// its bytes left: an uncertain submit is resent with this key and the
    /// recorded `request`, never with another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// The service had shown that it honours idempotency keys when this
    /// job's submit became uncertain: a rerun may resend it with its key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keys_honoured: bool,
    /// The service confirmed that the task is the one an earlier send of
    /// the same key created (`Idempotency-Replayed: true`): one task, paid
    /// once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
    /// The submit was resent after an uncertain outcome and the service did
    /// not confirm a replay: if it ignored the key, an earlier send may have
    /// created another (billed) task.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resent_unconfirmed: bool,
    /// The service's `request_id` for the submit's answer, when it sent
    /// one: what its support asks for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The last error met, for the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the task cost, as the service reported it (0 once refunded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The credits it cost, as reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_cost: Option<f64>,
    /// The currency of `cost`, where the client knew it (a provider that
    /// bills tokens prices them in its currency: CNY on Volcengine Ark,
    /// USD on BytePlus); `None` where the service reported money itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The task ended `failed` (or cancelled/expired) and was refunded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refunded: bool,
    /// How many times this job was sent (more than one only after an
    /// explicit resubmission of an uncertain submit or of a failed task).
    #[serde(default)]
    pub submissions: u32,
    /// The job as planned, before linking (what `fingerprint` hashes), as
    /// compact JSON: what a changed plan is compared with, field by field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<JsonText>,
    /// The number of the take the fields above describe (1, 2, ...; 0 for
    /// a job never sent). It is the selected take.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub take: u32,
    /// Chains: the take of the previous segment whose last frame this take
    /// started from. When it is not the previous segment's selected take,
    /// the link is stale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<u32>,
    /// Every other take of this job, kept with its files under the job's
    /// own directory (`segment_003/take_1.mp4`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub takes: Vec<Take>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A kept take of a job: a generated video that is not the selected one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Take {
    /// Its number (1, 2, ... in the order generated).
    pub number: u32,
    /// The task that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    /// The request sent for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<JsonText>,
    /// The job as planned when it was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<JsonText>,
    /// Its video, under the job's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<FileRecord>,
    /// Its last frame, under the job's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame: Option<FileRecord>,
    /// Every URL the server gave for its video, while they live: with the
    /// files, what makes a selected take finished without asking the
    /// service again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub video_urls: Vec<String>,
    /// The last frame's URL while it lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_frame_url: Option<String>,
    /// When its URLs expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// What it cost (0 once refunded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    /// The credits it cost, as reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits_cost: Option<f64>,
    /// The currency of `cost`, where the client knew it (a provider that
    /// bills tokens prices them in its currency: CNY on Volcengine Ark,
    /// USD on BytePlus); `None` where the service reported money itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Its task ended `failed` (or cancelled, expired) and was refunded.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub refunded: bool,
    /// The take of the previous segment it started from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked_from: Option<u32>,
}

/// A JSON value kept as its compact text. Serialized as the JSON itself
/// (not as a string), so manifests read the same as with a parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonText(Box<str>);

impl JsonText {
    /// `value` as compact JSON text.
    pub fn new(value: &serde_json::Value) -> Self {
        JsonText(value.to_string().into_boxed_str())
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value, parsed.
    pub fn parse(&self) -> serde_json::Value {
        serde_json::from_str(&self.0).unwrap_or(serde_json::Value::Null)
    }
}

impl Serialize for JsonText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw: &serde_json::value::RawValue =
            serde_json::from_str(&self.0).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for JsonText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<serde_json::value::RawValue>::deserialize(deserializer)?;
        // Re-serialized compactly: a pretty-printed manifest keeps its
        // indentation inside the raw text otherwise.
        let value: serde_json::Value =
            serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(JsonText::new(&value))
    }
}

impl JobRecord {
    /// The number of the take the job's fields describe, if it was sent:
    /// `take`, or for a job recorded without one (batch jobs of earlier
    /// versions) the number after its kept takes.
    pub fn current_take(&self) -> Option<u32> {
        if self.take > 0 {
            Some(self.take)
        } else if self.task_id.is_some() || self.video.is_some() {
            Some(self.takes.iter().map(|t| t.number).max().unwrap_or(0) + 1)
        } else {
            None
        }
    }

    /// The video URLs to try, in order (from `video_urls`, or an old
    /// manifest's single `video_url`).
    pub fn result_video_urls(&self) -> Vec<String> {
        if self.video_urls.is_empty() {
            self.video_url.clone().into_iter().collect()
        } else {
            self.video_urls.clone()
        }
    }

    /// A planned job.
    pub fn planned(index: usize, fingerprint: Fingerprint) -> Self {
        JobRecord {
            index,
            fingerprint,
            state: JobState::Planned,
            task_id: None,
            request: None,
            video_url: None,
            video_urls: Vec::new(),
            last_frame_url: None,
            expires_at: None,
            video: None,
            last_frame: None,
            sent_at: None,
            idempotency_key: None,
            keys_honoured: false,
            replayed: false,
            resent_unconfirmed: false,
            request_id: None,
            error: None,
            cost: None,
            credits_cost: None,
            currency: None,
            refunded: false,
            submissions: 0,
            spec: None,
            take: 0,
            linked_from: None,
            takes: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_take_of_a_job_recorded_without_a_number_follows_its_kept_takes() {
        let mut job = JobRecord::planned(0, Fingerprint::of(b"f"));
        assert_eq!(job.current_take(), None, "never sent");
        job.task_id = Some("task_1".into());
        assert_eq!(job.current_take(), Some(1));
        let kept: Take = serde_json::from_str(r#"{"number": 1}"#).unwrap();
        job.takes.push(kept);
        assert_eq!(job.current_take(), Some(2));
        job.take = 5;
        assert_eq!(job.current_take(), Some(5), "a recorded number wins");
    }
}
