//! The moderation failures the service reports, as public sources show
//! them, so tests can make a task fail the way it does in production.
//!
//! Codes: BytePlus ModelArk's error-code table (docs.byteplus.com,
//! ModelArk "Error codes"), which apimart passes through from its upstream.
//! The audio message: a task with `generate_audio: true` reported in
//! BlockRunAI/blockrun-mcp#24.

/// A moderation failure of a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Moderation {
    /// A real person in an input image.
    RealPerson,
    /// The generated audio was flagged.
    SensitiveAudio,
    /// The generated video was flagged.
    SensitiveOutput,
    /// The prompt was flagged.
    SensitivePrompt,
    /// Copyrighted content.
    Copyright,
}

impl Moderation {
    /// Every failure, for random draws and exhaustive tests.
    pub const ALL: [Moderation; 5] = [
        Moderation::RealPerson,
        Moderation::SensitiveAudio,
        Moderation::SensitiveOutput,
        Moderation::SensitivePrompt,
        Moderation::Copyright,
    ];

    /// The error code the task reports.
    pub fn code(self) -> &'static str {
        match self {
            Moderation::RealPerson => "InputImageSensitiveContentDetected.PrivacyInformation",
            Moderation::SensitiveAudio => "OutputAudioSensitiveContentDetected",
            Moderation::SensitiveOutput => "OutputVideoSensitiveContentDetected",
            Moderation::SensitivePrompt => "InputTextSensitiveContentDetected",
            Moderation::Copyright => "OutputVideoSensitiveContentDetected.Copyright",
        }
    }

    /// The message the task reports.
    pub fn message(self) -> &'static str {
        match self {
            Moderation::RealPerson => {
                "The request failed because the input image may contain real person."
            }
            Moderation::SensitiveAudio => "The output audio may contain sensitive information.",
            Moderation::SensitiveOutput => {
                "The request failed because the output video may contain sensitive information."
            }
            Moderation::SensitivePrompt => {
                "The request failed because the input text may contain sensitive information."
            }
            Moderation::Copyright => {
                "The request failed because the output video may be related to copyright restrictions."
            }
        }
    }

    /// Parses `real-person`, `sensitive-audio`, `sensitive-output`,
    /// `sensitive-prompt` or `copyright`.
    pub fn parse(text: &str) -> Result<Moderation, String> {
        Ok(match text {
            "real-person" => Moderation::RealPerson,
            "sensitive-audio" => Moderation::SensitiveAudio,
            "sensitive-output" => Moderation::SensitiveOutput,
            "sensitive-prompt" => Moderation::SensitivePrompt,
            "copyright" => Moderation::Copyright,
            other => {
                return Err(format!(
                    "unknown moderation failure `{other}` (real-person, sensitive-audio, sensitive-output, sensitive-prompt, copyright)"
                ));
            }
        })
    }
}
