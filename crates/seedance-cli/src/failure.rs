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
    /// Facts added to the `--json` error object (e.g. the estimate and the
    /// balance that stopped a run).
    pub(crate) details: Option<serde_json::Value>,
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Usage,
            message: message.into(),
            hint: None,
            details: None,
        }
    }

    /// The same failure, its message prefixed with what was being done.
    pub(crate) fn context(mut self, doing: &str) -> Self {
        self.message = format!("{doing}: {}", self.message);
        self
    }

    /// Standard output could not be written. A closed pipe (`| head`) ends
    /// the command quietly, as it would end `cat`.
    pub(crate) fn output(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Failure {
                status: ExitStatus::OutputClosed,
                message: String::new(),
                hint: None,
                details: None,
            };
        }
        Failure::failed(format!("cannot write output: {e}"))
    }

    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Failure {
            status: ExitStatus::Failed,
            message: message.into(),
            hint: None,
            details: None,
        }
    }
}

/// The key variables of `provider`, for messages: `ARK_API_KEY`, or
/// `BYTEPLUS_API_KEY or ARK_API_KEY`.
pub(crate) fn key_vars(provider: seedance_core::provider::ProviderKind) -> String {
    provider.api_key_envs().join(" or ")
}

/// What the user can do next after a client error, naming the command or flag.
fn client_hint(e: &ClientError) -> Option<String> {
    match e {
        ClientError::SubmitUncertain { .. } => Some(
            "look for the task in your apimart task list before submitting again: resubmitting may pay twice"
                .to_owned(),
        ),
        ClientError::WaitTimeout { task_id, .. } => Some(format!(
            "resume with: seedance wait {}",
            crate::output::printable(task_id)
        )),
        ClientError::Expired { .. } => {
            Some("generate the video again; expired results cannot be recovered".to_owned())
        }
        ClientError::Api { status: 401, .. } => {
            Some("check APIMART_API_KEY or --api-key-file".to_owned())
        }
        ClientError::Api { status: 402, .. } => Some("top up your apimart balance".to_owned()),
        ClientError::Api {
            status: 403,
            kind: Some(seedance_core::ErrorType::PaymentRequired),
            ..
        } => Some("top up your apimart balance".to_owned()),
        ClientError::NotOffered { .. } => Some(
            "choose a provider that offers it with --provider (apimart uploads images and reads the balance; ark and byteplus list and cancel tasks)"
                .to_owned(),
        ),
        ClientError::CannotCancel { task_id, .. } => Some(format!(
            "see where it stands with: seedance status {}",
            crate::output::printable(task_id)
        )),
        ClientError::TaskFailed {
            error: Some(api), ..
        } => seedance_core::FailureCause::of(api).map(moderation_hint),
        _ => None,
    }
}

impl Failure {
    /// The hint in the words of `provider`: the hints are written for
    /// apimart (its key variable, task list, balance); on Ark and BytePlus
    /// they name that platform's key variables, `seedance list` and its
    /// account instead.
    pub(crate) fn for_provider(mut self, provider: seedance_core::provider::ProviderKind) -> Self {
        if provider == seedance_core::provider::ProviderKind::Apimart {
            return self;
        }
        if let Some(hint) = &mut self.hint {
            *hint = hint
                .replace(
                    "your apimart task list",
                    &format!(
                        "`seedance --provider {provider} list` (or the {} console)",
                        provider.display_name()
                    ),
                )
                .replace("APIMART_API_KEY", &key_vars(provider))
                .replace(
                    "top up your apimart balance",
                    &format!("top up your {} account", provider.display_name()),
                );
        }
        self
    }

    /// A failure while waiting for (or downloading) a task that exists:
    /// unless the task itself ended (failed, cancelled, expired) or its
    /// result is gone, the task is still paid for and may finish, so the
    /// message names it and the hint is `resume`, the command that picks it
    /// up again.
    pub(crate) fn of_existing_task(e: ClientError, task_id: &str, resume: String) -> Self {
        let ended = matches!(
            e,
            ClientError::TaskFailed { .. }
                | ClientError::TaskCancelled { .. }
                | ClientError::TaskExpired { .. }
                | ClientError::Expired { .. }
        );
        let mut failure = Failure::from(e);
        if !ended {
            let id = crate::output::printable(task_id);
            if !failure.message.contains(id.as_ref()) {
                failure.message = format!("task {id}: {}", failure.message);
            }
            failure.hint = Some(resume);
        }
        failure
    }
}

/// The cause of a moderation failure and what to change: "a real person
/// was detected in an input: use a -face model ...".
fn moderation_hint(cause: seedance_core::FailureCause) -> String {
    format!("{}: {}", cause.label(), cause.fix())
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Self {
        Failure {
            status: ExitStatus::Failed,
            hint: client_hint(&e),
            message: e.to_string(),
            details: None,
        }
    }
}

impl From<seedance_workflows::WorkflowError> for Failure {
    fn from(e: seedance_workflows::WorkflowError) -> Self {
        use seedance_workflows::WorkflowError as W;
        let hint = match &e {
            W::Client { source, .. } => client_hint(source),
            W::ChangesNeedConfirmation(_) => Some(
                "rerun with --apply-changes to generate these (new takes; the current ones are kept), or restore the plan"
                    .to_owned(),
            ),
            W::StaleLinks { .. } => Some(
                "select matching takes (seedance select), regenerate the stale segments (--regenerate K), or pass --accept-stale"
                    .to_owned(),
            ),
            W::NoSuchTake { .. } | W::NoSuchJob { .. } => {
                Some("list them with: seedance takes DIR".to_owned())
            }
            W::Uncertain { .. } => Some(
                "look for the task in your apimart task list; to send it again anyway (this may pay twice) rerun with --resubmit-uncertain"
                    .to_owned(),
            ),
            W::TaskFailed {
                cause: Some(cause), ..
            } => Some(format!(
                "{}; then rerun to submit it again (a failed task is refunded)",
                moderation_hint(*cause)
            )),
            W::TaskFailed { .. } => Some("rerun to submit it again".to_owned()),
            W::Expired { index, .. } => Some(format!(
                "regenerate it with --regenerate {index} (this pays for it again)"
            )),
            W::LinkExpired { previous, .. } => Some(format!(
                "pass your own copy with --frame-url {previous}=URL, or regenerate segment {previous} with --regenerate {previous}"
            )),
            W::Stopped => Some("rerun to resume".to_owned()),
            W::Publish(seedance_workflows::PublishError::NoStore(_)) => Some(
                "name your bucket with --media-store s3://BUCKET/PREFIX (or SEEDANCE_MEDIA_STORE)"
                    .to_owned(),
            ),
            _ => None,
        };
        Failure {
            status: ExitStatus::Failed,
            message: e.to_string(),
            hint,
            details: None,
        }
    }
}
