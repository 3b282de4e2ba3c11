//! Reads about the account and the models, beyond the generation
//! reference: balances (`GET /v1/balance`, `GET /v1/user/balance`), the
//! model list (`GET /v1/models`), a model's input schema (`GET
//! /v1/model-schema`) and its public price (`GET /api/pricing/model`, which
//! needs no key). Each is a read: retried within `ClientConfig::retry`, an
//! answer that does not parse included (one unusable answer is asked
//! again). A `success: false` answer is the service's word and is not
//! repeated. The live service may not honour any of these: callers treat
//! every error here as "not known", never as a reason to stop paid work on
//! its own.

use seedance_core::account::{Balance, BalanceError, parse_balance_body};
use seedance_core::discovery::{
    DiscoveryError, ModelInfo, ModelPrice, parse_models_body, parse_pricing_body, parse_schema_body,
};
use serde_json::Value;

use super::call::Idempotency;
use super::{Client, ClientError};
use crate::wire::{ApiRequest, ApiResponse};

/// The key's own balance.
pub const KEY_BALANCE_PATH: &str = "/v1/balance";
/// The whole account's balance.
pub const ACCOUNT_BALANCE_PATH: &str = "/v1/user/balance";
/// The model list.
pub const MODELS_PATH: &str = "/v1/models";
/// A model's input schema.
pub const MODEL_SCHEMA_PATH: &str = "/v1/model-schema";
/// A model's public price (no key needed).
pub const PRICING_PATH: &str = "/api/pricing/model";
/// The operation whose schema the client asks for.
pub const VIDEO_OPERATION: &str = "video_generation";

/// What a parse found: a value, or the service's own refusal (not retried).
type Parsed<T> = Result<T, String>;

fn refused(response: &ApiResponse, message: String) -> ClientError {
    ClientError::Api {
        status: response.status,
        kind: None,
        code: None,
        message: message.into(),
        retry_after: None,
        request_id: seedance_core::request_id_of(&response.body).map(Into::into),
        param: None,
    }
}

impl Client {
    async fn read<T>(
        &self,
        request: ApiRequest,
        parse: impl Fn(&[u8]) -> Result<Parsed<T>, String>,
    ) -> Result<T, ClientError> {
        let (outcome, response) = self
            .call_parsed(request, Idempotency::Idempotent, |r| {
                parse(&r.body).map(|v| (v, r.clone())).map_err(|detail| {
                    ClientError::UnexpectedResponse {
                        status: r.status,
                        detail: self.transport.redact(&detail).into_owned(),
                    }
                })
            })
            .await?;
        outcome.map_err(|m| refused(&response, self.transport.redact(&m).into_owned()))
    }

    async fn balance_at(&self, path: &str) -> Result<Balance, ClientError> {
        if !self.capabilities().balance {
            return Err(ClientError::NotOffered {
                provider: self.provider(),
                operation: "reading the balance",
            });
        }
        self.read(ApiRequest::get(path), |body| {
            match parse_balance_body(body) {
                Ok(b) => Ok(Ok(b)),
                Err(BalanceError::Refused(m)) => Ok(Err(m)),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
    }

    /// The balance of the key in use (`GET /v1/balance`).
    pub async fn balance(&self) -> Result<Balance, ClientError> {
        self.balance_at(KEY_BALANCE_PATH).await
    }

    /// The balance of the whole account (`GET /v1/user/balance`).
    pub async fn account_balance(&self) -> Result<Balance, ClientError> {
        self.balance_at(ACCOUNT_BALANCE_PATH).await
    }

    /// [`ClientError::NotOffered`] where the provider has none of apimart's
    /// discovery endpoints (models, schema, public prices).
    fn discovery_offered(&self, operation: &'static str) -> Result<(), ClientError> {
        if self.capabilities().discovery {
            Ok(())
        } else {
            Err(ClientError::NotOffered {
                provider: self.provider(),
                operation,
            })
        }
    }

    /// The models the service lists (`GET /v1/models`).
    pub async fn models(&self) -> Result<Vec<ModelInfo>, ClientError> {
        self.discovery_offered("a model list")?;
        self.read(ApiRequest::get(MODELS_PATH), discovery(parse_models_body))
            .await
    }

    /// The JSON Schema of `model`'s video generation input (`GET
    /// /v1/model-schema?model=&operation=video_generation`).
    pub async fn model_schema(&self, model: &str) -> Result<Value, ClientError> {
        self.discovery_offered("model schemas")?;
        let request = ApiRequest::get(MODEL_SCHEMA_PATH)
            .with_query("model", model)
            .with_query("operation", VIDEO_OPERATION);
        self.read(request, discovery(parse_schema_body)).await
    }

    /// `model`'s public price per second (`GET /api/pricing/model?model=`).
    pub async fn model_pricing(&self, model: &str) -> Result<ModelPrice, ClientError> {
        self.discovery_offered("a public price list")?;
        let request = ApiRequest::get(PRICING_PATH).with_query("model", model);
        let model = model.to_owned();
        self.read(request, move |body| {
            match parse_pricing_body(body, &model) {
                Ok(p) => Ok(Ok(p)),
                Err(DiscoveryError::Refused(m)) => Ok(Err(m)),
                Err(e) => Err(e.to_string()),
            }
        })
        .await
    }
}

fn discovery<T>(
    parse: fn(&[u8]) -> Result<T, DiscoveryError>,
) -> impl Fn(&[u8]) -> Result<Parsed<T>, String> {
    move |body| match parse(body) {
        Ok(v) => Ok(Ok(v)),
        Err(DiscoveryError::Refused(m)) => Ok(Err(m)),
        Err(e) => Err(e.to_string()),
    }
}
