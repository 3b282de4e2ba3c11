//! How a command fails: a message, and the exit status it maps to.

use seedance_transport::ClientError;

use crate::exit::ExitStatus;

/// A failed command.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) status: ExitStatus,
    pub(crate) message: String,
    /// A follow-up for the user: what to run next.
    pub(crate) hint: Option<String>,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Usage,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Failed,
            message: message.into(),
            hint: None,
        }
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        let hint = match &e {
            ClientError::SubmitUncertain { .. } => Some(
                "check your apimart task list before submitting again; resubmitting may pay twice"
                    .to_owned(),
            ),
            ClientError::WaitTimeout { task_id, .. } => {
                Some(format!("resume with: seedance wait {task_id}"))
            }
            ClientError::Expired { .. } => {
                Some("generate the video again; expired results cannot be recovered".to_owned())
            }
            ClientError::Api { status: 401, .. } => {
                Some("check APIMART_API_KEY or --api-key-file".to_owned())
            }
            ClientError::Api { status: 402, .. } => Some("top up your apimart balance".to_owned()),
            _ => None,
        };
        Failure {
            status: ExitStatus::Failed,
            message: e.to_string(),
            hint,
        }
    }
}
