//! Private assets: `POST /v1/seedance2/private-avatar` (a group, up to 20
//! media URLs with their types) answers with a task (`object:
//! "seedance.avatar.asset.task"`) that completes a second later with
//! `usable_assets` (`asset://...` ids) and `failed_assets` (reasons).
//! Refused: a file whose URL contains `refuse`, and an image uploaded here
//! whose PNG is under 300 px on a side. The ids are signed with the
//! simulator's secret, so a persistent simulator still knows them in the
//! next process; a submit naming an `asset://` id that is neither one of
//! these nor the reference's example id (`asset_a`) is refused (400).

use seedance_transport::wire::{ApiRequest, ApiResponse};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::responses::{error_with, ok_json};
use crate::simulator::{Simulator, State};
use crate::tasks::SimAssetTask;

/// The most assets one request registers.
const MAX_ASSETS: usize = 20;
/// How long an asset task takes.
const ASSET_TASK_MS: i64 = 1000;
/// The smallest side of an image the review takes.
const MIN_IMAGE_SIDE: u32 = 300;
/// Asset ids the reference's examples use, known to every simulator.
const REFERENCE_ASSET_IDS: &[&str] = &["asset_a"];
/// The task object of an asset task.
const ASSET_TASK_OBJECT: &str = "seedance.avatar.asset.task";

fn bad(param: &str, message: &str) -> ApiResponse {
    error_with(400, "invalid_request_error", message, Some(param))
}

/// Width and height of a PNG, from its header.
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if !bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.len() < 24 {
        return None;
    }
    let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
    let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
    Some((w, h))
}

fn mac(secret: u64, nonce: &str) -> String {
    let d = Sha256::digest(format!("asset/{secret}/{nonce}").as_bytes());
    seedance_core::hex::encode(&d[..6])
}

impl Simulator {
    /// A new asset id, signed with this simulator's secret.
    fn new_asset_id(state: &mut State) -> String {
        let nonce = format!("{:016x}", state.rng.next_u64());
        format!("asset-{nonce}{}", mac(state.signer.secret(), &nonce))
    }

    /// Whether `id` (after `asset://`) names an asset this service knows.
    pub(crate) fn knows_asset(state: &State, id: &str) -> bool {
        if REFERENCE_ASSET_IDS.contains(&id) {
            return true;
        }
        let Some(rest) = id.strip_prefix("asset-") else {
            return false;
        };
        rest.len() == 28
            && rest.is_char_boundary(16)
            && mac(state.signer.secret(), &rest[..16]) == rest[16..]
    }

    /// The first `asset://` URL of a submit that is empty or unknown, as
    /// the service refuses it (400 naming the field).
    pub(crate) fn check_assets(
        &self,
        state: &State,
        media: &[(String, String)],
    ) -> Option<ApiResponse> {
        media.iter().find_map(|(param, url)| {
            let url = url.trim();
            let id = url
                .get(..8)
                .filter(|p| p.eq_ignore_ascii_case("asset://"))
                .and_then(|_| url.get(8..))?;
            if Self::knows_asset(state, id) {
                return None;
            }
            Some(bad(
                param,
                &format!("{param}: asset `{id}` does not exist or has not passed review"),
            ))
        })
    }

    /// Why an image source would be refused by review, if it would.
    fn review(&self, state: &State, url: &str, asset_type: &str) -> Option<String> {
        if url.to_ascii_lowercase().contains("refuse") {
            return Some("the file did not pass review".to_owned());
        }
        if asset_type == "Image"
            && state.signer.is_own(url)
            && let Ok(path) = state.signer.check(url, self.unix_now())
            && let Some(upload) = state.uploads.get(path.owner)
            && let Some((w, h)) = png_size(&upload.bytes)
            && w.min(h) < MIN_IMAGE_SIDE
        {
            return Some(format!(
                "the image is {w}x{h}; each side must be at least {MIN_IMAGE_SIDE} px"
            ));
        }
        None
    }

    /// `POST /v1/seedance2/private-avatar`.
    pub(crate) fn create_assets(&self, state: &mut State, request: &ApiRequest) -> ApiResponse {
        let Some(body) = request
            .body
            .as_deref()
            .and_then(|b| serde_json::from_slice::<Value>(b).ok())
            .filter(Value::is_object)
        else {
            return bad("", "Request body is not a JSON object");
        };
        let group = ["group", "group_id"]
            .iter()
            .find_map(|k| body.get(*k).and_then(Value::as_str))
            .map(str::trim)
            .filter(|g| !g.is_empty());
        let Some(group) = group else {
            return bad("group", "group or group_id is required");
        };
        let Some(assets) = body.get("assets").and_then(Value::as_array) else {
            return bad("assets", "assets must be an array");
        };
        if assets.is_empty() || assets.len() > MAX_ASSETS {
            return bad("assets", "assets must hold 1 to 20 items");
        }
        let mut usable = Vec::new();
        let mut failed = Vec::new();
        for (i, a) in assets.iter().enumerate() {
            let Some(url) = a.get("url").and_then(Value::as_str) else {
                return bad(&format!("assets[{i}].url"), "url is required");
            };
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return bad(&format!("assets[{i}].url"), "url must be an http(s) URL");
            }
            let kind = a.get("asset_type").and_then(Value::as_str).unwrap_or("");
            if !matches!(kind, "Image" | "Video" | "Audio") {
                return bad(
                    &format!("assets[{i}].asset_type"),
                    "asset_type must be Image, Video or Audio",
                );
            }
            match self.review(state, url, kind) {
                Some(reason) => failed.push(json!({"url": url, "reason": reason})),
                None => {
                    let id = Self::new_asset_id(state);
                    usable.push(json!({
                        "asset_url": format!("asset://{id}"),
                        "source_url": url,
                        "asset_type": kind,
                    }));
                }
            }
        }
        let id = format!("task_avatar_{:016x}", state.rng.next_u64());
        state.stats.asset_tasks_created += 1;
        // Kept with a persistent simulator's state: the secret that signs
        // the new ids, so the next process still knows them.
        state.dirty = true;
        state.asset_tasks.insert(
            id.clone(),
            SimAssetTask {
                created_ms: self.now_ms(),
                group_id: body
                    .get("group_id")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("group_{group}"), str::to_owned),
                usable,
                failed,
            },
        );
        ok_json(json!({"code": 200, "data": {
            "id": id, "object": ASSET_TASK_OBJECT, "status": "submitted",
        }}))
    }

    /// `GET /v1/tasks/{id}` of an asset task, or `None` when `id` is not one.
    pub(crate) fn asset_status(&self, state: &State, id: &str) -> Option<ApiResponse> {
        let task = state.asset_tasks.get(id)?;
        let age = self.now_ms() - task.created_ms;
        let created = task.created_ms.div_euclid(1000);
        let data = if age < ASSET_TASK_MS {
            json!({"id": id, "object": ASSET_TASK_OBJECT, "status": "processing",
                "progress": (age * 100 / ASSET_TASK_MS).clamp(0, 99), "created": created})
        } else {
            json!({"id": id, "object": ASSET_TASK_OBJECT, "status": "completed", "progress": 100,
                "created": created, "completed": (task.created_ms + ASSET_TASK_MS).div_euclid(1000),
                "result": {"group_id": task.group_id, "usable_assets": task.usable, "failed_assets": task.failed}})
        };
        Some(ok_json(json!({"code": 200, "data": data})))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_sizes_are_read_from_the_header() {
        let png = crate::media::SAMPLE_PNG;
        assert!(png_size(png).is_some());
        assert_eq!(png_size(b"GIF89a"), None);
    }
}
