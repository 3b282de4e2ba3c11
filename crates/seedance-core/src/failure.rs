//! Why a task failed, in terms of what the user can change.
//!
//! The service's own failure is kept as it came ([`ApiError`]); this module
//! reads its code (and, where a gateway passes the upstream text through
//! without a code, its message) into a [`FailureCause`] with the fix that
//! helps. Sources, collected in `docs/reliability.md` ("Moderation
//! failures"): BytePlus ModelArk's error-code table
//! (`InputImageSensitiveContentDetected.PrivacyInformation`,
//! `OutputVideoSensitiveContentDetected`, `OutputAudioSensitiveContentDetected`,
//! `InputTextSensitiveContentDetected`, ...), apimart's Seedance 2.0 page
//! (`-face` models accept real people; `asset://` ids for authorised
//! portraits), and a public report of "output audio may contain sensitive
//! information" on tasks with `generate_audio: true`
//! (BlockRunAI/blockrun-mcp#24).

use crate::response::{ApiError, ErrorCode};

/// What made a task fail, as far as the user can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureCause {
    /// A real person was detected in an input image or video.
    RealPerson,
    /// The generated audio was flagged.
    SensitiveAudio,
    /// Copyrighted content (a character, a brand, a likeness) was detected.
    Copyright,
    /// The prompt text was flagged.
    SensitivePrompt,
    /// An input image, video or audio was flagged (other than a real person).
    SensitiveInput,
    /// The generated video was flagged.
    SensitiveOutput,
}

impl FailureCause {
    /// Reads a task's failure: by its code first, then by the words of its
    /// message. `None` when it is not a moderation failure this module knows.
    pub fn of(error: &ApiError) -> Option<FailureCause> {
        let code = match &error.code {
            Some(ErrorCode::Text(t)) => t.to_ascii_lowercase(),
            _ => String::new(),
        };
        // The service's own words (not ours): where a gateway passes the
        // upstream text without a code, they are all there is to go on.
        let service_text = error.message.to_ascii_lowercase();
        let says = |words: &[&str]| {
            words
                .iter()
                .any(|w| code.contains(w) || service_text.contains(w))
        };
        if says(&[
            "privacyinformation",
            "real person",
            "real people",
            "real human",
            "face detected",
            "portrait",
        ]) {
            return Some(FailureCause::RealPerson);
        }
        if says(&["copyright", "intellectual property", "infring"]) {
            return Some(FailureCause::Copyright);
        }
        let sensitive = says(&["sensitive", "moderation", "policy", "risk control"]);
        if !sensitive {
            return None;
        }
        Some(
            if says(&["audio"]) && (says(&["output"]) || !says(&["input"])) {
                FailureCause::SensitiveAudio
            } else if says(&["inputtext", "prompt", "input text"]) {
                FailureCause::SensitivePrompt
            } else if says(&["input"]) {
                FailureCause::SensitiveInput
            } else {
                FailureCause::SensitiveOutput
            },
        )
    }

    /// A short name of the cause.
    pub fn label(self) -> &'static str {
        match self {
            FailureCause::RealPerson => "a real person was detected in an input",
            FailureCause::SensitiveAudio => "the generated audio was flagged",
            FailureCause::Copyright => "copyrighted content was detected",
            FailureCause::SensitivePrompt => "the prompt was flagged",
            FailureCause::SensitiveInput => "an input image, video or audio was flagged",
            FailureCause::SensitiveOutput => "the generated video was flagged",
        }
    }

    /// What to change before trying again.
    pub fn fix(self) -> &'static str {
        match self {
            FailureCause::RealPerson => {
                "use a -face model (doubao-seedance-2.0-face or doubao-seedance-2.0-fast-face), which accepts real people, or an authorised portrait as an asset:// id (seedance asset create)"
            }
            FailureCause::SensitiveAudio => {
                "set generate_audio to false, or change what the prompt asks the characters to say"
            }
            FailureCause::Copyright => {
                "describe the character or brand generically instead of naming it, and use reference images you own"
            }
            FailureCause::SensitivePrompt => {
                "rephrase the prompt: describe the scene in neutral, cinematic terms"
            }
            FailureCause::SensitiveInput => "replace the flagged image, video or audio",
            FailureCause::SensitiveOutput => {
                "rephrase the prompt or change the inputs; a failed task is refunded, so trying again costs only the new task"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: Option<&str>, message: &str) -> ApiError {
        ApiError {
            code: code.map(|c| ErrorCode::Text(c.to_owned())),
            message: message.to_owned(),
            kind: None,
            param: None,
        }
    }

    #[test]
    fn upstream_codes_name_the_cause() {
        let cases = [
            (
                "InputImageSensitiveContentDetected.PrivacyInformation",
                FailureCause::RealPerson,
            ),
            (
                "OutputAudioSensitiveContentDetected",
                FailureCause::SensitiveAudio,
            ),
            (
                "OutputVideoSensitiveContentDetected",
                FailureCause::SensitiveOutput,
            ),
            (
                "InputTextSensitiveContentDetected",
                FailureCause::SensitivePrompt,
            ),
            (
                "InputVideoSensitiveContentDetected",
                FailureCause::SensitiveInput,
            ),
            (
                "OutputVideoSensitiveContentDetected.Copyright",
                FailureCause::Copyright,
            ),
        ];
        for (code, cause) in cases {
            assert_eq!(
                FailureCause::of(&err(Some(code), "blocked")),
                Some(cause),
                "{code}"
            );
        }
    }

    #[test]
    fn a_gateways_text_without_a_code_is_read_too() {
        assert_eq!(
            FailureCause::of(&err(
                None,
                "The output audio may contain sensitive information"
            )),
            Some(FailureCause::SensitiveAudio)
        );
        assert_eq!(
            FailureCause::of(&err(
                Some("task_failed"),
                "Input image contains a real person"
            )),
            Some(FailureCause::RealPerson)
        );
        assert_eq!(
            FailureCause::of(&err(Some("task_failed"), "Video generation failed")),
            None
        );
    }

    #[test]
    fn every_fix_names_something_to_change() {
        for cause in [
            FailureCause::RealPerson,
            FailureCause::SensitiveAudio,
            FailureCause::Copyright,
            FailureCause::SensitivePrompt,
            FailureCause::SensitiveInput,
            FailureCause::SensitiveOutput,
        ] {
            assert!(!cause.fix().is_empty() && !cause.label().is_empty());
        }
        assert!(FailureCause::RealPerson.fix().contains("-face"));
        assert!(
            FailureCause::SensitiveAudio
                .fix()
                .contains("generate_audio")
        );
    }
}
